public enum HTMLReport { public static func render(_ r: AnalysisReport) -> String { "" } }
