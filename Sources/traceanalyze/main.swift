print("traceanalyze")
