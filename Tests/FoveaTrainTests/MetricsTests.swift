import Foundation
import FoveaTrain
import FoveaTestSupport
import Testing

/// Metrics and the classification report equal scikit-learn's (Scripts/make_metric_fixtures.py).
@Suite struct MetricsTests {
    struct Case: Decodable {
        let name: String
        let y_true: [Int], y_pred: [Int]
        let class_names: [String]
        let confusion_matrix: [[Int]]
        let precision: [Double], recall: [Double], f1: [Double]
        let support: [Int]
        let report_2: String, report_4: String
    }

    static let cases: [Case] = {
        let url = Bundle.module.url(forResource: "sklearn_metrics", withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
    }()

    @Test(arguments: cases.map(\.name))
    func matchesScikitLearn(name: String) {
        let reference = Self.cases.first { $0.name == name }!
        let metrics = ClassificationMetrics(trueLabels: reference.y_true, predictions: reference.y_pred, classNames: reference.class_names)
        #expect(metrics.confusion.counts == reference.confusion_matrix)
        #expect(metrics.support == reference.support)
        for (a, b) in zip(metrics.precision + metrics.recall + metrics.f1, reference.precision + reference.recall + reference.f1) {
            #expect(Swift.abs(a - b) < 1e-12)
        }
        #expect(metrics.report() == reference.report_2, "\n\(metrics.report())\nvs\n\(reference.report_2)")
        #expect(metrics.report(digits: 4) == reference.report_4)
    }

    @Test func topKCountsTheLabelAmongTheHighestScores() throws {
        let scores = try Tensor([0.1, 0.5, 0.4, 0.7, 0.2, 0.1, 0.3, 0.3, 0.4], shape: [3, 3])
        #expect(topKAccuracy(scores: scores, labels: [2, 2, 0], k: 1) == 0)
        #expect(Swift.abs(topKAccuracy(scores: scores, labels: [2, 2, 0], k: 2) - 2.0 / 3) < 1e-12)
        #expect(topKAccuracy(scores: scores, labels: [2, 2, 0], k: 3) == 1)
    }

    @Test func confusionTableSaysWhichAxisIsWhich() {
        let metrics = ClassificationMetrics(trueLabels: [0, 1, 1], predictions: [0, 0, 1], classNames: ["cat", "dog"])
        #expect(metrics.confusionTable().contains("rows: true class, columns: predicted class"))
    }
}
