/// Several trained classifiers combined: the mean of their softmax probabilities, or a
/// majority vote of their predicted classes (ties go to the class with the higher mean
/// probability). Members must agree on the input shape and the class count.
public struct Ensemble {
    public enum Rule: String, CaseIterable, Sendable { case average, vote }

    public struct Result: Sendable {
        public let memberAccuracies: [Double]
        public let averageAccuracy: Double
        public let voteAccuracy: Double
        public let averagePredictions: [Int]
        public let votePredictions: [Int]
    }

    public let members: [Module]

    public init(members: [Module]) throws {
        guard members.count >= 2 else { throw FoveaError.argument("an ensemble needs at least two models, got \(members.count)") }
        self.members = members
    }

    /// Every member's probabilities [N, K] on the dataset (inference mode).
    public func memberProbabilities(on dataset: Dataset, batchSize: Int = 128) throws -> [Tensor] {
        try members.enumerated().map { index, model in
            let prediction = try Prediction.run(model, on: dataset, batchSize: batchSize)
            guard prediction.probabilities.shape[1] == dataset.classCount else {
                throw FoveaError.shape("ensemble member \(index + 1) predicts \(prediction.probabilities.shape[1]) classes, the dataset has \(dataset.classCount)")
            }
            return prediction.probabilities
        }
    }

    public func evaluate(on dataset: Dataset) throws -> Result {
        let probabilities = try memberProbabilities(on: dataset)
        let (n, k) = (dataset.count, dataset.classCount)
        let mean = Tensor(zeros: [n, k])
        for p in probabilities { for i in 0..<mean.count { mean.pointer[i] += p.pointer[i] / Float(probabilities.count) } }
        let averaged = mean.argmax(axis: 1)
        let memberPredictions = probabilities.map { $0.argmax(axis: 1) }
        let voted = (0..<n).map { i -> Int in
            var votes = [Int](repeating: 0, count: k)
            for predictions in memberPredictions { votes[predictions[i]] += 1 }
            let top = votes.max()!
            return (0..<k).filter { votes[$0] == top }.max { mean[flat: i * k + $0] < mean[flat: i * k + $1] }!
        }
        func accuracy(_ predicted: [Int]) -> Double {
            Double(zip(predicted, dataset.labels).filter { $0 == $1 }.count) / Double(max(n, 1))
        }
        return Result(memberAccuracies: memberPredictions.map(accuracy), averageAccuracy: accuracy(averaged),
                      voteAccuracy: accuracy(voted), averagePredictions: averaged, votePredictions: voted)
    }
}
