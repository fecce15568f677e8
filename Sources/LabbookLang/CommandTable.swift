/// Every statement keyword and the command that implements it. Adding a statement means adding a
/// `Command` type and one entry here.
public enum CommandTable {
  public static let all: [any Command.Type] = [
    LoadCommand.self, ImportCommand.self, SaveCommand.self, ExportCommand.self, ShowCommand.self, DescribeCommand.self,
    CheckCommand.self, SelectCommand.self, DropCommand.self, FilterCommand.self, DeriveCommand.self,
    SplitCommand.self, PipelineCommand.self, TrainCommand.self, EvaluateCommand.self, CrossValidateCommand.self,
    PredictCommand.self, ImportanceCommand.self, FairnessCommand.self, MitigateCommand.self, DriftCommand.self,
    RegisterCommand.self, UseCommand.self, PromoteCommand.self, RollbackCommand.self, ModelsCommand.self,
    CompareCommand.self, AutoMLCommand.self, PlotCommand.self, VarsCommand.self, HelpCommand.self, HistoryCommand.self,
  ]

  public static let commands: [String: any Command.Type] = Dictionary(
    uniqueKeysWithValues: all.map { ($0.keyword, $0) })

  /// Words that cannot name variables.
  public static let reservedWords: Set<String> = ["param", "and", "or", "not", "is", "missing", "where"]
}
