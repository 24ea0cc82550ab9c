from dense_au.cli import main

main()
