from .model import Net

__all__ = ["Net"]
