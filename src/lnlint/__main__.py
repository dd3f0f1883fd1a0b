from lnlint.cli import main

main()
