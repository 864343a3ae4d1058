import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct AutogradTests {
    @Test func gradientsAccumulateAcrossBackwardCalls() throws {
        let x = try Tensor([1, 2, 3], shape: [3]).requiringGrad()
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        #expect(x.grad?.scalars == [5, 5, 5])
        x.gradNode?.zeroGrad()
        #expect(x.grad == nil)
    }

    @Test func aTensorUsedTwiceGetsBothContributions() throws {
        let x = try Tensor([3], shape: [1]).requiringGrad()
        (x * x + x).sum().backward()   // d/dx (x² + x) = 2x + 1 = 7
        #expect(x.grad?.scalars == [7])
    }

    /// A second gradient is added in place only into a buffer nothing else holds. Here `p + q`
    /// runs its backward first and hands one gradient tensor to both p and q; `p * q` then adds to
    /// each. Written into the shared buffer, p's and q's gradients would mix. With p = 3x, q = 5x,
    /// d/dx (p + q + p·q) = 3(1 + q) + 5(1 + p) = 8 + 30x.
    @Test func aSharedGradientIsNotWrittenInPlace() throws {
        let x = try Tensor([1, -2], shape: [2]).requiringGrad()
        let p = x * 3, q = x * 5
        ((p + q) + p * q).sum().backward()
        #expect(x.grad?.scalars == [38, -52])
    }

    @Test func aGradientTheCallerHoldsIsNotWrittenInPlace() throws {
        let x = try Tensor([1, 2, 3], shape: [3]).requiringGrad()
        (x * 2).sum().backward()
        let first = try #require(x.grad)
        (x * 3).sum().backward()
        #expect(first.scalars == [2, 2, 2])
        #expect(x.grad?.scalars == [5, 5, 5])
    }

    @Test func noGradModeRecordsNothing() throws {
        let x = try Tensor([1, 2], shape: [2]).requiringGrad()
        let y = withoutGradients { (x * 2).exp() }
        #expect(!y.requiresGrad)
        #expect(GradientRecording.isEnabled)
        let z = x * 2
        #expect(z.requiresGrad)
    }

    @Test func constantsNeedNoGradient() throws {
        let c = try Tensor([1, 2], shape: [2])
        let x = try Tensor([3, 4], shape: [2]).requiringGrad()
        (c * x).sum().backward()
        #expect(x.grad?.scalars == [1, 2])
        #expect(c.grad == nil)
    }

    @Test func nonScalarBackwardTakesASeed() throws {
        let x = try Tensor([1, 2, 3], shape: [3]).requiringGrad()
        (x * x).backward(seed: try Tensor([1, 0, 2], shape: [3]))
        #expect(x.grad?.scalars == [2, 0, 12])
    }
}

@Suite struct TensorTests {
    @Test func creationChecksTheShape() {
        #expect(throws: FoveaError.self) { try Tensor([1, 2, 3], shape: [2, 2]) }
        #expect((try? Tensor([1, 2, 3, 4], shape: [2, 2]))?.shape == [2, 2])
    }

    @Test func broadcastShapesFollowNumPy() {
        #expect(broadcastShape([2, 1, 4], [3, 1]) == [2, 3, 4])
        #expect(broadcastShape([5], []) == [5])
        #expect(broadcastShape([2, 3], [4, 3]) == nil)
    }

    @Test func reshapeInfersOneDimension() {
        #expect(Tensor(zeros: [2, 3, 4]).reshaped([4, -1]).shape == [4, 6])
    }

    @Test func reductionsAndArgmax() throws {
        let x = try Tensor([1, 5, 3, 9, 2, 4], shape: [2, 3])
        #expect(x.sum(axes: [1]).scalars == [9, 15])
        #expect(x.mean(axes: [0]).scalars == [5, 3.5, 3.5])
        #expect(x.max(axis: 1).scalars == [5, 9])
        #expect(x.argmax(axis: 1) == [1, 0])
        #expect(x.argmax(axis: 0) == [1, 0, 1])
    }

    @Test func concatenateAndSliceAreInverse() throws {
        let a = randomTensor([2, 3, 2], seed: 1), b = randomTensor([2, 1, 2], seed: 2)
        let joined = Tensor.concatenate([a, b], axis: 1)
        #expect(joined.shape == [2, 4, 2])
        #expect(joined.slice(axis: 1, 0..<3).scalars == a.scalars)
        #expect(joined.slice(axis: 1, 3..<4).scalars == b.scalars)
    }

    @Test func permuteMovesElements() throws {
        let x = try Tensor([0, 1, 2, 3, 4, 5], shape: [2, 3])
        #expect(x.transposed().scalars == [0, 3, 1, 4, 2, 5])
    }

    @Test func seededGeneratorsAreReproducible() {
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9), c = SeededGenerator(seed: 10)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        #expect(first != (0..<5).map { _ in c.next() })
        let restored = SeededGenerator(state: a.stateWords)
        var copy = restored
        #expect(copy.next() == a.next())
    }

    @Test func initialisersHaveTheirVariance() {
        var g = SeededGenerator(seed: 3)
        func std(_ t: Tensor) -> Double {
            let v = t.scalars.map(Double.init), mean = v.reduce(0, +) / Double(v.count)
            return (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)).squareRoot()
        }
        let he = Tensor.kaimingNormal([200, 100], fanIn: 100, using: &g)
        #expect(Swift.abs(std(he) - (2.0 / 100).squareRoot()) < 0.005)
        let heUniform = Tensor.kaimingUniform([200, 100], fanIn: 100, using: &g)
        #expect(Swift.abs(std(heUniform) - (2.0 / 100).squareRoot()) < 0.005)
        let glorot = Tensor.xavierUniform([200, 100], fanIn: 100, fanOut: 200, using: &g)
        #expect(Swift.abs(std(glorot) - (2.0 / 300).squareRoot()) < 0.005)
        let glorotNormal = Tensor.xavierNormal([200, 100], fanIn: 100, fanOut: 200, using: &g)
        #expect(Swift.abs(std(glorotNormal) - (2.0 / 300).squareRoot()) < 0.005)
        let uniform = Tensor.uniform([10_000], low: -1, high: 1, using: &g)
        #expect(uniform.scalars.allSatisfy { $0 >= -1 && $0 < 1 })
    }
}
