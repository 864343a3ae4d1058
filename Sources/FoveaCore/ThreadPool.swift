#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// One persistent pool of worker threads for the kernels.
///
/// Waking a blocked thread costs 25–50 µs on these VMs, longer than many per-layer chunks take,
/// so workers spin on a generation counter for a bounded while before they block on a condition
/// variable (see research/SWIFT-FEASIBILITY.md §2). The calling thread always works too.
/// A `parallelFor` issued from inside a running one runs serially on the caller.
public final class ThreadPool: @unchecked Sendable {
    public static let shared = ThreadPool(threads: defaultThreadCount)

    public static var defaultThreadCount: Int {
        Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    private let spinLimit = 200_000
    private let generation = Atomic<Int>(0)
    private let nextIndex = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private var mutex = pthread_mutex_t()
    private var wakeUp = pthread_cond_t()
    private var workers: [pthread_t] = []
    // Written by the caller before `generation` is bumped (release), read by workers after (acquire).
    private var job: ((Int, Int) -> Void)?   // (iteration, thread)
    private var jobCount = 0
    private var participants = 0

    /// Threads used by `parallelFor`, the caller included.
    public private(set) var threadCount: Int

    /// How many `thread` indices a `parallelFor` can pass: the threads ever started, the caller
    /// included (workers never stop). Per-thread buffers are sized by this, not `threadCount`:
    /// another thread may raise `threadCount` between a kernel's sizing and its `parallelFor`
    /// (two tests set it to 1 and back while others run), and the indices then reach the old count.
    public var threadSlots: Int { startedWorkers.load(ordering: .acquiring) + 1 }
    private let startedWorkers = Atomic<Int>(0)

    public init(threads: Int) {
        threadCount = Swift.max(1, threads)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wakeUp, nil)
        spawnWorkers(upTo: threadCount - 1)
    }

    /// Sets how many threads (caller included) share the work; spawns workers if needed.
    /// Waits for a running `parallelFor` (from another thread) to finish first.
    public func setThreadCount(_ count: Int) {
        while !busy.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            sched_yield()
        }
        threadCount = Swift.max(1, count)
        spawnWorkers(upTo: threadCount - 1)
        busy.store(false, ordering: .releasing)
    }

    private func spawnWorkers(upTo wanted: Int) {
        while workers.count < wanted {
            let id = workers.count
            let context = Unmanaged.passRetained(WorkerContext(pool: self, id: id, generation: generation.load(ordering: .acquiring))).toOpaque()
            var thread = pthread_t()
            let status = pthread_create(&thread, nil, { raw in
                let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                context.pool.workerLoop(id: context.id, seen: context.generation)
                return nil
            }, context)
            precondition(status == 0, "could not start a worker thread")
            workers.append(thread)
            startedWorkers.store(workers.count, ordering: .releasing)
        }
    }

    private final class WorkerContext {
        let pool: ThreadPool
        let id: Int
        /// The generation when the worker was created: a job posted before the thread runs is still seen.
        let generation: Int
        init(pool: ThreadPool, id: Int, generation: Int) { self.pool = pool; self.id = id; self.generation = generation }
    }

    /// Whether a `parallelFor` is running (on any thread); a new one would then run serially.
    public var isRunningJob: Bool { busy.load(ordering: .relaxed) }

    /// Calls `body(i)` for every i in 0..<count, spread over the pool's threads.
    /// Iterations must be independent; there is no ordering between them.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        parallelFor(count) { i, _ in body(i) }
    }

    /// Calls `body(i, thread)` for every i in 0..<count, where `thread` (0..<threadCount) names
    /// the thread running that iteration: no two iterations with the same `thread` run at once,
    /// so they may share that thread's scratch buffers. The iterations are taken in turn from a
    /// shared counter, so splitting the work into several per thread balances it when the VM
    /// stalls one thread.
    public func parallelFor(_ count: Int, threadIndexed body: (_ iteration: Int, _ thread: Int) -> Void) {
        if count <= 0 { return }
        // One job at a time: a call from inside a job, or from another thread meanwhile, runs serially.
        guard count > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else {
            for i in 0..<count { body(i, 0) }
            return
        }
        let helpers = Swift.min(threadCount, count) - 1
        if helpers == 0 {
            busy.store(false, ordering: .releasing)
            for i in 0..<count { body(i, 0) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            job = escapable
            jobCount = count
            participants = helpers
            nextIndex.store(0, ordering: .relaxed)
            pending.store(helpers, ordering: .relaxed)
            pthread_mutex_lock(&mutex)
            generation.add(1, ordering: .releasing)
            pthread_cond_broadcast(&wakeUp)
            pthread_mutex_unlock(&mutex)

            runChunks(escapable, count: count, thread: 0)
            var polls = 0
            while pending.load(ordering: .acquiring) > 0 {
                polls += 1
                if polls > spinLimit { sched_yield() }
            }
            job = nil
        }
        busy.store(false, ordering: .releasing)
    }

    /// An element-wise pass over 0..<count: split between the threads in runs of at least 32 K
    /// elements (a pass bound by memory gains nothing from smaller ones); shorter passes run on the caller.
    public func parallelElements(_ count: Int, _ body: (Range<Int>) -> Void) {
        parallelRanges(count, minimumPerChunk: 1 << 15, body)
    }

    /// Splits 0..<count into at most `threadCount × chunksPerThread` contiguous ranges and runs
    /// them in parallel.
    public func parallelRanges(_ count: Int, minimumPerChunk: Int = 1, chunksPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let chunks = Swift.max(1, min(threadCount * chunksPerThread, count / Swift.max(1, minimumPerChunk)))
        if chunks == 1 { body(0..<count); return }
        parallelFor(chunks) { c in
            let start = count * c / chunks, end = count * (c + 1) / chunks
            if start < end { body(start..<end) }
        }
    }

    @inline(never)
    private func runCurrentJob(thread: Int) {
        if let body = job { runChunks(body, count: jobCount, thread: thread) }
    }

    private func runChunks(_ body: (Int, Int) -> Void, count: Int, thread: Int) {
        while true {
            let i = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= count { return }
            body(i, thread)
        }
    }

    private func workerLoop(id: Int, seen start: Int) {
        var seen = start
        while true {
            var polls = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                polls += 1
                if polls < spinLimit {
                    current = generation.load(ordering: .acquiring)
                    continue
                }
                pthread_mutex_lock(&mutex)
                current = generation.load(ordering: .acquiring)
                while current == seen {
                    pthread_cond_wait(&wakeUp, &mutex)
                    current = generation.load(ordering: .acquiring)
                }
                pthread_mutex_unlock(&mutex)
            }
            seen = current
            guard id < participants else { continue }
            runCurrentJob(thread: id + 1)
            // Only now, with no reference to the caller's closure left, may the caller return.
            pending.subtract(1, ordering: .releasing)
        }
    }
}
