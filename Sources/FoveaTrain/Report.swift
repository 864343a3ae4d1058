import Foundation

/// `report.html` — self-contained, readable offline: training history, learning-rate schedule,
/// confusion-matrix heatmap, per-class metrics and 16 test images with their predictions, all
/// charts as inline SVG — plus the same charts as PNG files beside it.
public enum Report {
    public static func write(to folder: String, title: String, history: [EpochRecord], prediction: Prediction, test: Dataset) throws {
        let epochs = history.map { Double($0.epoch) }
        func series(_ name: String, _ color: (UInt8, UInt8, UInt8), _ values: [Double?]) -> LineChart.Series {
            LineChart.Series(name: name, color: color, points: zip(epochs, values).compactMap { x, y in y.map { (x, $0) } })
        }
        let blue: (UInt8, UInt8, UInt8) = (31, 119, 180), orange: (UInt8, UInt8, UInt8) = (255, 127, 14)
        let loss = LineChart(title: "Loss", xLabel: "epoch", yLabel: "cross-entropy",
                             series: [series("train", blue, history.map(\.trainLoss)), series("validation", orange, history.map(\.valLoss))])
        let accuracy = LineChart(title: "Accuracy", xLabel: "epoch", yLabel: "accuracy",
                                 series: [series("train", blue, history.map(\.trainAccuracy)), series("validation", orange, history.map(\.valAccuracy))])
        let rate = LineChart(title: "Learning rate", xLabel: "epoch", yLabel: "learning rate",
                             series: [series("learning rate", (44, 160, 44), history.map(\.learningRate))])
        let metrics = prediction.metrics
        let heatmap = Heatmap(counts: metrics.confusion.counts, labels: metrics.classNames)
        let samples = sampleIndices(prediction: prediction, labels: test.labels, count: 16)
        let grid = predictionGrid(test: test, prediction: prediction, indices: samples)

        try writePNG(loss.raster(), folder + "/loss.png")
        try writePNG(accuracy.raster(), folder + "/accuracy.png")
        try writePNG(rate.raster(), folder + "/learning_rate.png")
        try writePNG(heatmap.raster(), folder + "/confusion_matrix.png")
        try writePNG(grid, folder + "/predictions.png")

        var html = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escapeHTML(title))</title>
        <style>body{font-family:sans-serif;margin:24px;color:#222}h1{font-size:22px}h2{font-size:17px;margin-top:28px}
        .charts{display:flex;flex-wrap:wrap;gap:12px}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}
        td:first-child,th:first-child{text-align:left}.grid{display:grid;grid-template-columns:repeat(4,150px);gap:10px}
        figure{margin:0;text-align:center;font-size:12px}figure img{width:96px;height:96px;image-rendering:pixelated;border:3px solid #2ca02c}
        figure.wrong img{border-color:#d62728}figure.wrong figcaption{color:#d62728}</style></head><body>
        <h1>\(escapeHTML(title))</h1>
        <p>Test accuracy <b>\(String(format: "%.2f%%", metrics.accuracy * 100))</b>, macro F1 \(String(format: "%.4f", metrics.macroF1)),
        loss \(String(format: "%.4f", prediction.loss)) on \(test.count) test images.</p>
        <h2>Training history</h2><div class="charts">\(loss.svg())\(accuracy.svg())</div>
        <h2>Learning-rate schedule</h2><div class="charts">\(rate.svg())</div>
        <h2>Confusion matrix</h2><p>Rows are the true class, columns the predicted class.</p>\(heatmap.svg())
        <h2>Per-class metrics</h2><table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>
        """
        for c in metrics.classNames.indices {
            html += "<tr><td>\(c) \(escapeHTML(metrics.classNames[c]))</td><td>\(String(format: "%.3f", metrics.precision[c]))</td><td>\(String(format: "%.3f", metrics.recall[c]))</td><td>\(String(format: "%.3f", metrics.f1[c]))</td><td>\(metrics.support[c])</td></tr>"
        }
        html += "<tr><td>macro avg</td><td>\(String(format: "%.3f", metrics.macroPrecision))</td><td>\(String(format: "%.3f", metrics.macroRecall))</td><td>\(String(format: "%.3f", metrics.macroF1))</td><td>\(test.count)</td></tr>"
        html += "<tr><td>weighted avg</td><td>\(String(format: "%.3f", metrics.weightedPrecision))</td><td>\(String(format: "%.3f", metrics.weightedRecall))</td><td>\(String(format: "%.3f", metrics.weightedF1))</td><td>\(test.count)</td></tr></table>"
        html += "<h2>Test images</h2><p>Green: correct; red: mistakes. Caption: true → predicted (confidence).</p><div class=\"grid\">"
        for index in samples {
            let predicted = prediction.predictions[index], truth = test.labels[index]
            let confidence = prediction.probabilities[flat: index * test.classCount + predicted]
            let png = try ImageCodec.encodePNG(imageBuffer(test, index))
            html += "<figure class=\"\(predicted == truth ? "right" : "wrong")\"><img alt=\"test image \(index)\" src=\"data:image/png;base64,\(png.base64EncodedString())\">"
            html += "<figcaption>\(escapeHTML(test.classNames[truth])) → \(escapeHTML(test.classNames[predicted])) (\(String(format: "%.0f%%", confidence * 100)))</figcaption></figure>"
        }
        html += "</div></body></html>\n"
        try writeAtomically(Data(html.utf8), to: folder + "/report.html")
    }

    /// Up to `count` test images, mistakes first (they are what a reader wants to see), then the rest in order.
    static func sampleIndices(prediction: Prediction, labels: [Int], count: Int) -> [Int] {
        let wrong = labels.indices.filter { prediction.predictions[$0] != labels[$0] }
        let right = labels.indices.filter { prediction.predictions[$0] == labels[$0] }
        return Array((wrong.prefix(count / 2) + right + wrong.dropFirst(count / 2)).prefix(count))
    }

    static func imageBuffer(_ data: Dataset, _ index: Int) -> ImageBuffer {
        let shape = data.imageShape
        let buffer = ImageBuffer(pixels: data.images.gatherRows([index]).scalars, channels: shape[0], height: shape[1], width: shape[2])
        return shape[0] == 1 || shape[0] == 3 ? buffer
            : ImageBuffer(pixels: Array(buffer.pixels.prefix(shape[1] * shape[2])), channels: 1, height: shape[1], width: shape[2])
    }

    /// 4×4 grid of test images with "true → predicted (confidence)", mistakes framed red.
    public static func predictionGrid(test: Dataset, prediction: Prediction, indices: [Int]) -> Canvas {
        let scale = Swift.max(1, 96 / Swift.max(test.imageShape[1], test.imageShape[2]))
        let cellW = Swift.max(test.imageShape[2] * scale + 8, 150), cellH = test.imageShape[1] * scale + 30
        var canvas = Canvas(width: 4 * cellW, height: ((indices.count + 3) / 4) * cellH)
        for (i, index) in indices.enumerated() {
            let x = (i % 4) * cellW, y = (i / 4) * cellH
            let predicted = prediction.predictions[index], truth = test.labels[index]
            let frame: (UInt8, UInt8, UInt8) = predicted == truth ? (44, 160, 44) : (214, 39, 40)
            let imageX = x + (cellW - test.imageShape[2] * scale) / 2
            canvas.fill(x: imageX - 3, y: y + 1, width: test.imageShape[2] * scale + 6, height: test.imageShape[1] * scale + 6, color: frame)
            canvas.draw(imageBuffer(test, index), x: imageX, y: y + 4, scale: scale)
            let confidence = prediction.probabilities[flat: index * test.classCount + predicted]
            let caption = "\(String(test.classNames[truth].prefix(9)))>\(String(test.classNames[predicted].prefix(9))) \(Int((confidence * 100).rounded()))%"
            canvas.text(caption, x: x + 2, y: y + test.imageShape[1] * scale + 14, color: predicted == truth ? (0, 0, 0) : frame)
        }
        return canvas
    }

    static func writePNG(_ canvas: Canvas, _ path: String) throws { try writeAtomically(Data(try canvas.png()), to: path) }
}
