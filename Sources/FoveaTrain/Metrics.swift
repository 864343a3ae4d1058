import Foundation

/// Counts of (true class, predicted class): rows are the true class, columns the prediction
/// (scikit-learn's convention).
public struct ConfusionMatrix: Codable, Equatable, Sendable {
    public let counts: [[Int]]

    public init(trueLabels: [Int], predictions: [Int], classes: Int) {
        precondition(trueLabels.count == predictions.count, "confusion matrix: \(trueLabels.count) labels, \(predictions.count) predictions")
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (t, p) in zip(trueLabels, predictions) { counts[t][p] += 1 }
        self.counts = counts
    }

    public var classes: Int { counts.count }
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    public var correct: Int { (0..<classes).reduce(0) { $0 + counts[$1][$1] } }
    public var accuracy: Double { Double(correct) / Double(Swift.max(total, 1)) }
    public func support(_ c: Int) -> Int { counts[c].reduce(0, +) }
    public func predicted(_ c: Int) -> Int { counts.reduce(0) { $0 + $1[c] } }
}

/// Per-class precision, recall, F1 and support, with macro and support-weighted averages;
/// a class never predicted (or never present) scores 0 there, as scikit-learn's zero_division=0.
public struct ClassificationMetrics: Codable, Equatable, Sendable {
    public let classNames: [String]
    public let confusion: ConfusionMatrix
    public let precision: [Double], recall: [Double], f1: [Double]
    public let support: [Int]

    public init(trueLabels: [Int], predictions: [Int], classNames: [String]) {
        let matrix = ConfusionMatrix(trueLabels: trueLabels, predictions: predictions, classes: classNames.count)
        self.classNames = classNames
        confusion = matrix
        support = (0..<classNames.count).map(matrix.support)
        precision = (0..<classNames.count).map { c in
            matrix.predicted(c) == 0 ? 0 : Double(matrix.counts[c][c]) / Double(matrix.predicted(c))
        }
        recall = (0..<classNames.count).map { c in
            matrix.support(c) == 0 ? 0 : Double(matrix.counts[c][c]) / Double(matrix.support(c))
        }
        f1 = zip(precision, recall).map { p, r in p + r == 0 ? 0 : 2 * p * r / (p + r) }
    }

    public var accuracy: Double { confusion.accuracy }
    public var macroPrecision: Double { mean(precision) }
    public var macroRecall: Double { mean(recall) }
    public var macroF1: Double { mean(f1) }
    public var weightedPrecision: Double { weighted(precision) }
    public var weightedRecall: Double { weighted(recall) }
    public var weightedF1: Double { weighted(f1) }

    func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(Swift.max(values.count, 1)) }
    func weighted(_ values: [Double]) -> Double {
        let total = support.reduce(0, +)
        return total == 0 ? 0 : zip(values, support).reduce(0) { $0 + $1.0 * Double($1.1) } / Double(total)
    }

    /// The same text, numbers and layout as scikit-learn's `classification_report`.
    public func report(digits: Int = 2) -> String {
        let headers = ["precision", "recall", "f1-score", "support"]
        let width = Swift.max(classNames.map(\.count).max() ?? 0, "weighted avg".count, digits)
        func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: Swift.max(0, n - s.count)) + s }
        func number(_ v: Double) -> String { pad(String(format: "%.\(digits)f", v), 9) }
        func row(_ name: String, _ p: Double, _ r: Double, _ f: Double, _ s: Int) -> String {
            pad(name, width) + " " + " " + number(p) + " " + number(r) + " " + number(f) + " " + pad(String(s), 9) + "\n"
        }
        var text = pad("", width) + " " + headers.map { " " + pad($0, 9) }.joined() + "\n\n"
        for c in classNames.indices { text += row(classNames[c], precision[c], recall[c], f1[c], support[c]) }
        text += "\n"
        let total = support.reduce(0, +)
        text += pad("accuracy", width) + " " + " " + pad("", 9) + " " + pad("", 9) + " " + number(accuracy) + " " + pad(String(total), 9) + "\n"
        text += row("macro avg", macroPrecision, macroRecall, macroF1, total)
        text += row("weighted avg", weightedPrecision, weightedRecall, weightedF1, total)
        return text
    }

    /// The confusion matrix as a text table, saying which axis is which.
    public func confusionTable() -> String {
        let width = Swift.max(6, confusion.counts.flatMap { $0 }.map { String($0).count }.max() ?? 1) + 1
        let nameWidth = Swift.max(classNames.map(\.count).max() ?? 0, 4)
        var lines = ["Confusion matrix (rows: true class, columns: predicted class)"]
        lines.append(String(repeating: " ", count: nameWidth) + (0..<confusion.classes).map { String(repeating: " ", count: width - String($0).count) + String($0) }.joined())
        for (c, row) in confusion.counts.enumerated() {
            let name = "\(c) \(classNames[c])"
            lines.append(name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                         + row.map { String(repeating: " ", count: width - String($0).count) + String($0) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

/// Fraction of rows whose true label is among the k largest scores. scores [N, K].
public func topKAccuracy(scores: Tensor, labels: [Int], k: Int) -> Double {
    precondition(scores.rank == 2 && scores.shape[0] == labels.count, "top-k: scores \(describe(shape: scores.shape)) for \(labels.count) labels")
    let classes = scores.shape[1]
    var hits = 0
    for (n, label) in labels.enumerated() {
        let row = scores.pointer + n * classes
        // The label is in the top k when fewer than k classes score strictly higher.
        var higher = 0
        for c in 0..<classes where row[c] > row[label] { higher += 1 }
        if higher < k { hits += 1 }
    }
    return Double(hits) / Double(Swift.max(labels.count, 1))
}
