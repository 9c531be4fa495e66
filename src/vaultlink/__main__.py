from vaultlink.cli.main import main

main()
