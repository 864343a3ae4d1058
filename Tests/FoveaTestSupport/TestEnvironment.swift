import Foundation

/// Heavy tests (every big model, end-to-end runs) run in optimised builds (`swift test -c
/// release`, the README's command) or when FOVEA_HEAVY_TESTS is set; debug builds run a cheap
/// member of each family instead.
#if DEBUG
public let runsHeavyTests = ProcessInfo.processInfo.environment["FOVEA_HEAVY_TESTS"] != nil
#else
public let runsHeavyTests = true
#endif

/// Runs `python3` with these arguments; stdout and stderr together.
public func runPython(_ arguments: [String]) -> (status: Int32, output: String) {
    let process = Process(), pipe = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    process.standardOutput = pipe
    process.standardError = pipe
    guard (try? process.run()) != nil else { return (-1, "python3 not found") }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}

/// Whether `python3` can run this import statement (outside checkers such as ONNX Runtime).
public func pythonCanRun(_ code: String) -> Bool { runPython(["-c", code]).status == 0 }

/// The repository's Scripts folder, from a test file's path (Tests/<Target>/<File>.swift).
public func scriptsFolder(testFile: String = #filePath) -> String {
    URL(fileURLWithPath: testFile).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts").path
}
