/// The self-contained HTML page that compares several runs: a title, a table whose first column
/// links to each run's report, and inline SVG charts (`fovea demo seed`, `fovea compare`).
enum ComparisonPage {
    /// `rows`: the run's folder name (linked to its report.html) and its other cells, already formatted.
    static func html(title: String, columns: [String], rows: [(run: String, cells: [String])], charts: [String]) -> String {
        var html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(escapeHTML(title))</title>"
        html += "<style>body{font-family:sans-serif;margin:24px}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}table{border-collapse:collapse}</style></head><body>"
        html += "<h1>\(escapeHTML(title))</h1><table><tr>" + columns.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr>"
        for row in rows {
            html += "<tr><td><a href=\"\(row.run)/report.html\">\(escapeHTML(row.run))</a></td>"
                + row.cells.map { "<td>\(escapeHTML($0))</td>" }.joined() + "</tr>"
        }
        return html + "</table><div>" + charts.joined() + "</div></body></html>\n"
    }
}
