#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON report: `AnalysisReport` encoded with sorted keys (schema in docs/analysis.md).
public enum JSONReport {
    public static func render(_ report: AnalysisReport) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // AnalysisReport holds only finite numbers and strings; encoding cannot fail.
        return try! encoder.encode(report)
    }
}
