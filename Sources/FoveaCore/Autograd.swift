#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One vertex of the define-by-run graph: how to send an output gradient to the inputs.
///
/// Leaves (parameters, `requiringGrad()` tensors) accumulate their gradient across
/// `backward()` calls until `zeroGrad()`; interior nodes hold a gradient only while
/// `backward()` runs, and drop their closure (and the activations it captured) once used.
public final class GradNode: @unchecked Sendable {
    public let op: String
    let shape: [Int]
    var parents: [GradNode?]
    /// (output gradient, which inputs need one) -> one gradient per input (nil where not needed).
    var backwardFunction: ((Tensor, [Bool]) -> [Tensor?])?
    public internal(set) var grad: Tensor?
    public let isLeaf: Bool

    init(leafOf shape: [Int]) {
        op = "leaf"
        self.shape = shape
        parents = []
        isLeaf = true
    }

    init(op: String, shape: [Int], parents: [GradNode?],
         backward: @escaping (Tensor, [Bool]) -> [Tensor?]) {
        self.op = op
        self.shape = shape
        self.parents = parents
        backwardFunction = backward
        isLeaf = false
    }

    /// Forgets the accumulated gradient (leaves only keep one).
    public func zeroGrad() { grad = nil }

    func accumulate(_ incoming: Tensor) {
        precondition(incoming.shape == shape,
                     "gradient of \(op) has shape \(describe(shape: incoming.shape)), expected \(describe(shape: shape))")
        guard var existing = grad else { grad = incoming.detached(); return }
        grad = nil
        // A gradient nothing else holds (the usual case: a tensor used twice, as a residual
        // block's input) takes the second one in place: no new buffer, one pass fewer to memory.
        grad = existing.addInPlaceIfUniquelyOwned(incoming) ? existing : Tensor.sum(existing, incoming)
    }
}

extension Tensor {
    /// Attaches a graph node to `result` when gradients are being recorded and any input needs one.
    /// Every differentiable op calls this right after computing its forward value.
    public static func record(_ result: Tensor, op: String, inputs: [Tensor],
                              backward: @escaping (Tensor, [Bool]) -> [Tensor?]) -> Tensor {
        guard GradientRecording.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return result }
        var output = result
        output.gradNode = GradNode(op: op, shape: result.shape, parents: inputs.map { $0.gradNode },
                                   backward: backward)
        return output
    }

    /// Reverse-mode differentiation from this tensor. A non-scalar tensor needs a `seed`
    /// gradient of its own shape; a scalar defaults to 1.
    public func backward(seed: Tensor? = nil) {
        guard let root = gradNode else { return }
        let start = seed ?? Tensor(ones: shape)
        precondition(start.shape == shape, "backward seed has shape \(describe(shape: start.shape)), expected \(describe(shape: shape))")

        // Topological order by iterative depth-first search.
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Bool)] = [(root, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for parent in node.parents { if let parent { stack.append((parent, false)) } }
        }

        root.accumulate(start)
        for node in order.reversed() where !node.isLeaf {
            guard let outputGrad = node.grad else { continue }
            guard let function = node.backwardFunction else {
                preconditionFailure("backward through the graph of \(node.op) a second time")
            }
            let needs = node.parents.map { $0 != nil }
            let inputGrads = function(outputGrad, needs)
            for (parent, g) in zip(node.parents, inputGrads) {
                if let parent, let g { parent.accumulate(g) }
            }
            // Free what this node held: its gradient and the activations its closure captured.
            node.grad = nil
            node.backwardFunction = nil
            node.parents = []
        }
    }
}

/// Whether ops record a graph. Per thread and scoped, never a global switch: inference,
/// evaluation and optimiser steps run inside `withoutGradients { … }`.
public enum GradientRecording {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Depth of nested `withoutGradients` scopes on this thread.
    private static var disabledDepth: Int {
        get { Int(bitPattern: pthread_getspecific(key)) }
        set { pthread_setspecific(key, UnsafeRawPointer(bitPattern: newValue)) }
    }

    public static var isEnabled: Bool { disabledDepth == 0 }

    public static func withoutGradients<T>(_ body: () throws -> T) rethrows -> T {
        disabledDepth += 1
        defer { disabledDepth -= 1 }
        return try body()
    }
}

/// Runs `body` without recording a graph (inference, metrics, optimiser updates).
public func withoutGradients<T>(_ body: () throws -> T) rethrows -> T {
    try GradientRecording.withoutGradients(body)
}
