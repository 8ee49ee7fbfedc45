import HTTPTypes
import Hummingbird
import Synchronization

/// The secret every form of the page carries. A page of another site open in the same browser
/// can post to 127.0.0.1 but cannot read this page, so it cannot know the token (CSRF). One per
/// process: restarting `plansync ui` retires every form already open.
struct FormToken: Sendable {
    let value: String

    init() {
        var random = SystemRandomNumberGenerator()
        value = (0..<4).map { _ in
            let word = random.next() as UInt64
            return String(repeating: "0", count: word.leadingZeroBitCount / 4) + String(word, radix: 16)
        }.joined()
    }

    /// Compared in constant time: how long the comparison takes does not tell how much of a
    /// guess was right.
    func accepts(_ sent: String?) -> Bool {
        let expected = Array(value.utf8)
        guard let sent, case let given = Array(sent.utf8), given.count == expected.count else { return false }
        return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// The port the page was bound to: known only once the server runs (`--port 0` lets the system
/// choose), and needed to recognise the page's own address.
final class BoundPort: Sendable {
    private let port = Mutex(0)

    func set(_ value: Int) { port.withLock { $0 = value } }

    /// Whether a request's Host names this page: `127.0.0.1:PORT` or `localhost:PORT`.
    func isOwnAddress(_ authority: String) -> Bool {
        let port = port.withLock { $0 }
        return port != 0 && ["127.0.0.1:\(port)", "localhost:\(port)"].contains(authority.lowercased())
    }
}

/// Serves only this computer's browser, and only pages that cannot be turned against it.
///
/// The page listens on 127.0.0.1, yet another site can still make the browser reach it: by
/// DNS rebinding (a name of theirs that resolves to 127.0.0.1), whose requests carry that name as
/// Host — refused here with 421 before any handler runs. Every answer forbids scripts but ours,
/// inline ones, frames and forms to elsewhere (CSP), and guessing content types.
struct LocalPageGuard<Context: RequestContext>: RouterMiddleware {
    let port: BoundPort

    static var securityHeaders: HTTPFields {
        [
            .contentSecurityPolicy: "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; "
                + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
            HTTPField.Name("X-Frame-Options")!: "DENY",
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let authority = request.head.authority, port.isOwnAddress(authority) else {
            var refused = Response(status: .init(code: 421, reasonPhrase: "Misdirected Request"),
                                   headers: [.contentType: "text/plain; charset=utf-8"],
                                   body: .init(byteBuffer: ByteBuffer(string: """
                                       Această pagină răspunde doar la http://127.0.0.1 sau http://localhost, pe portul ei \
                                       (this page answers only at its own local address).

                                       """)))
            refused.headers.append(contentsOf: Self.securityHeaders)
            return refused
        }
        var response = try await next(request, context)
        response.headers.append(contentsOf: Self.securityHeaders)
        return response
    }
}
