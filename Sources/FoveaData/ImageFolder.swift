import Foundation

/// A folder with one subfolder per class holding PNG or JPEG files (torchvision's ImageFolder,
/// Keras's image_dataset_from_directory). Classes are the subfolder names, sorted.
public enum ImageFolder {
    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Decodes every image to `channels` (1 or 3) and, when `size` is given, resizes it (bilinear)
    /// to size.height × size.width. Without a size all images must already share one size.
    public static func load(_ directory: String, channels: Int = 3, size: (height: Int, width: Int)? = nil) throws -> Dataset {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FoveaError.io("\(directory): not a folder")
        }
        guard channels == 1 || channels == 3 else { throw FoveaError.argument("image folder: channels must be 1 or 3, got \(channels)") }
        let classes = try fm.contentsOfDirectory(atPath: directory).sorted().filter { name in
            var sub: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: "\(directory)/\(name)", isDirectory: &sub) && sub.boolValue
        }
        var files: [(path: String, label: Int)] = []
        for (label, name) in classes.enumerated() {
            let entries = try fm.contentsOfDirectory(atPath: "\(directory)/\(name)").sorted()
            files += entries.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
                .map { ("\(directory)/\(name)/\($0)", label) }
        }
        guard !files.isEmpty else {
            throw FoveaError.io("\(directory): no PNG or JPEG images found (expected one subfolder per class)")
        }
        var images: [ImageBuffer] = []
        for file in files {
            var image = try ImageCodec.decode(file: file.path).planar(channels: channels)
            if let size, image.height != size.height || image.width != size.width {
                image = resize(image, height: size.height, width: size.width)
            }
            if let first = images.first, first.height != image.height || first.width != image.width {
                throw FoveaError.shape("\(file.path) is \(image.width)×\(image.height) but \(files[0].path) is \(first.width)×\(first.height); give a resize target (e.g. folder:DIR@64x64)")
            }
            images.append(image)
        }
        let shape = [images.count, channels, images[0].height, images[0].width]
        let tensor = try Tensor(images.flatMap(\.pixels), shape: shape)
        // Classes with no images still count, so labels keep their folder order.
        return try Dataset(name: "folder:" + directory, images: tensor, labels: files.map(\.label), classNames: classes)
    }
}
