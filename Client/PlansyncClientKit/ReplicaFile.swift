import Foundation
import GRDB
import PlansyncProtocol

/// The replica's file on disk: refusing to start over on top of one that cannot be read, saying
/// what went wrong in words a clerk can act on, and keeping the credential in it private.
enum ReplicaFile {
    /// An existing replica of 0 bytes (with no write-ahead log holding its content) was damaged —
    /// a full disk, an interrupted copy. SQLite would take it for a new, empty database and the
    /// edits in it would vanish without a word: refuse instead.
    static func refuseTruncated(_ path: String) throws {
        let files = FileManager.default
        guard let size = (try? files.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 else { return }
        let wal = (try? files.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
        guard wal == 0 else { return }
        throw ClientError("""
            \(path) is empty (0 bytes): the file was damaged, for example by a full disk or an interrupted copy. \
            Nothing was changed. Restore it from a backup. If this computer was never enrolled, delete the file and run `plansync init`.
            """)
    }

    /// Says what an error reaching the replica means, naming the file. Errors that are not the
    /// file's (a refusal, a clerk's mistake) pass through as they are.
    static func explain(_ error: any Error, path: String) -> any Error {
        if error is DecodingError || error is WireFormatError {
            return ClientError("Data in \(path) cannot be read: the file is damaged (\(error)). Nothing was changed. Restore it from a backup; "
                + "edits the county acknowledged are also on the county's server.")
        }
        guard let error = error as? DatabaseError else { return error }
        let folder = (path as NSString).deletingLastPathComponent
        let why: String
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            why = "is not a plansync replica or is damaged (\(error.message ?? "unreadable")). Nothing was changed. Restore it from a backup, "
                + "or move it aside and enroll again with `plansync init` (edits only in this file would then be lost)"
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
            why = "cannot be opened for writing (\(error.message ?? "permission denied")). Check that you may write to \(folder) and to the file"
        case .SQLITE_FULL:
            why = "cannot be written: the disk is full. Free some space and try again; nothing was lost"
        case .SQLITE_IOERR:
            why = "could not be read or written by the disk (\(error.message ?? "I/O error")). Check the disk; nothing was changed"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            why = "is in use by another plansync command that did not finish. Wait for it, then try again"
        default:
            return ClientError("\(path): \(error.message ?? "\(error)")")
        }
        return ClientError("\(path) \(why).")
    }

    /// The replica holds the device's credential: readable by its owner only, like an SSH key.
    static func restrictToOwner(_ path: String) {
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
    }
}
