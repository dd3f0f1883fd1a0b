import argparse

from pkg import Net


def main(args):
    return Net(args.d_model, args.nhead)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--d-model", type=int, default=2)
    parser.add_argument("--nhead", type=int, default=1)
    main(parser.parse_args())
