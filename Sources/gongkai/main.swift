import GongkaiCommands

GongkaiCommand.main()
