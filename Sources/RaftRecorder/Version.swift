public enum RaftRecorderVersion { public static let current = "0.1.0" }
