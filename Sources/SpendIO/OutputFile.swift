import Foundation

/// Where a command writes its result (`-o FILE`): a regular file is replaced atomically (a reader never sees
/// half a CSV), anything else that exists (`/dev/null`, `/dev/stdout`, a FIFO) is opened and written in place,
/// because renaming a temporary file over a device would replace the device with a plain file.
public enum OutputFile {
    public static func write(_ text: String, to path: String) throws {
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
            defer { try? handle.close() }
            try handle.write(contentsOf: Data(text.utf8))
            return
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
