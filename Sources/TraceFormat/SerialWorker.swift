import Foundation

/// One long-lived thread that runs submitted jobs one at a time, in submission order.
///
/// Unlike a serial dispatch queue, whose jobs may run on any thread of a pool, it is always the
/// same thread, so what the jobs allocate stays in one malloc arena and a long read or write does
/// not spread its buffers over many arenas (which made peak memory creep up with trace length).
/// The owner calls `stop()` when done (in its `deinit`); the thread then finishes the jobs
/// already submitted and exits.
final class SerialWorker: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopping = false

    init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    func async(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
