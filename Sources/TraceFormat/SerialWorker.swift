import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One long-lived thread that runs submitted jobs one at a time, in submission order.
///
/// Unlike a serial dispatch queue, whose jobs may run on any thread of a pool, it is always the
/// same thread, so what the jobs allocate stays in one malloc arena and a long read or write does
/// not spread its buffers over many arenas (which made peak memory creep up with trace length).
/// The owner calls `stop()` when done (in its `deinit`); the thread then finishes the jobs
/// already submitted and exits.
package final class SerialWorker: Sendable {
    private let jobs = Mutex<[@Sendable () -> Void]>([])
    /// Signalled once per job and once for `stop()`: the thread takes one job per wake-up and
    /// exits on the wake-up that finds none.
    private let wake = DispatchSemaphore(value: 0)

    /// `name` says what the thread is for, in errors.
    package init(name: String) {
        Self.startThread(name: name) { [self] in run() }
    }

    package func async(_ job: @escaping @Sendable () -> Void) {
        jobs.withLock { $0.append(job) }
        wake.signal()
    }

    package func stop() { wake.signal() }

    private func run() {
        while true {
            wake.wait()
            let next = jobs.withLock { jobs -> (@Sendable () -> Void)? in
                jobs.isEmpty ? nil : jobs.removeFirst()
            }
            guard let job = next else { return }  // woken by stop() with nothing left to do
            job()
        }
    }

    /// Starts a detached thread running `body` (Foundation's `Thread` is not in FoundationEssentials).
    private static func startThread(name: String, _ body: @escaping @Sendable () -> Void) {
        final class Start {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let start = Unmanaged.passRetained(Start(body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let rc = pthread_create(&thread, nil, { raw in
            let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
            start.body()
            return nil
        }, start)
        precondition(rc == 0, "cannot start thread \(name): error \(rc)")
        #if canImport(Glibc)
        pthread_detach(thread)
        #else
        pthread_detach(thread!)
        #endif
    }
}
