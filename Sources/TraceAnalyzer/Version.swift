public enum TraceAnalyzerVersion { public static let current = "0.1.0" }
