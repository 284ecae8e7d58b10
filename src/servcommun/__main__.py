from servcommun.cli import main

main()
