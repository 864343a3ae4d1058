import ArgumentParser
import FoveaTrain

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the model zoo with parameter counts at the default input.")

    func run() throws {
        print("name".padding(toLength: 20, withPad: " ", startingAt: 0) + "input".padding(toLength: 12, withPad: " ", startingAt: 0)
              + "classes".padding(toLength: 9, withPad: " ", startingAt: 0) + "params".padding(toLength: 13, withPad: " ", startingAt: 0) + "description")
        for spec in ModelZoo.all {
            let model = try ModelZoo.make(ModelConfiguration(name: spec.name, classes: spec.defaultClasses, inputShape: spec.defaultInput), seed: 0)
            print(spec.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                  + spec.defaultInput.map(String.init).joined(separator: "×").padding(toLength: 12, withPad: " ", startingAt: 0)
                  + String(spec.defaultClasses).padding(toLength: 9, withPad: " ", startingAt: 0)
                  + model.parameterCount.formatted.padding(toLength: 13, withPad: " ", startingAt: 0) + spec.summary)
        }
    }
}
