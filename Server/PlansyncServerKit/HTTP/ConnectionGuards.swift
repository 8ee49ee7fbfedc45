import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import PlansyncProtocol

/// Closes a connection whose next request head has not fully arrived within `timeout` of the
/// connection opening, or of the previous response being written (keep-alive). Protects against
/// slowloris clients that trickle header bytes: the HTTP decoder emits nothing until the head is
/// complete, so the timer is only disarmed by a whole head.
final class RequestHeadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private var scheduled: Scheduled<Void>?
    private var requestsInFlight = 0

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.disarm()
    }

    func channelActive(context: ChannelHandlerContext) {
        self.arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = self.unwrapInboundIn(data) {
            self.requestsInFlight += 1
            self.disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = self.unwrapOutboundIn(data) {
            // A 400 written after a parse error has no matching head: clamp, and re-arm so a client
            // that never closes its side is still dropped.
            self.requestsInFlight = max(0, self.requestsInFlight - 1)
            if self.requestsInFlight == 0 { self.arm(context) }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard self.scheduled == nil else { return }
        self.scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: self.timeout) {
            self.scheduled = nil
            context.close(promise: nil)
        }
    }

    private func disarm() {
        self.scheduled?.cancel()
        self.scheduled = nil
    }
}

/// Turns Hummingbird's empty `400` (written by `HTTPChannelHandler.handleHTTP` when the NIO decoder
/// throws `HTTPParserError`) into an RFC 9457 problem document, 431 for oversized heads.
final class ParseErrorProblemHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var parseError: HTTPParserError?
    private var pendingBody: ByteBuffer?

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if self.parseError == nil, let error = error as? HTTPParserError { self.parseError = error }
        context.fireErrorCaught(error)  // Hummingbird must still see it: it writes the 400 and closes
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.unwrapOutboundIn(data) {
        case .head(var head)
        where self.parseError != nil && self.pendingBody == nil
            && head.status == .badRequest && head.headerFields[.contentLength] == "0":
            let problem = Self.problem(for: self.parseError!)
            let json = (try? WireJSON.encode(problem)) ?? Data()
            var body = context.channel.allocator.buffer(capacity: json.count)
            body.writeBytes(json)
            head.status = .init(code: problem.status)
            head.headerFields[.contentType] = Problem.mediaType
            head.headerFields[.contentLength] = String(body.readableBytes)
            self.pendingBody = body
            context.write(self.wrapOutboundOut(.head(head)), promise: promise)
        case .end(let trailers) where self.pendingBody != nil:
            context.write(self.wrapOutboundOut(.body(self.pendingBody!)), promise: nil)
            self.pendingBody = nil
            context.write(self.wrapOutboundOut(.end(trailers)), promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    static func problem(for error: HTTPParserError) -> Problem {
        switch error {
        case .headerOverflow:
            Problem(
                type: "https://plansync.ro/problems/header-too-large", title: "Request header fields too large",
                status: 431, detail: "The request line and headers exceed the server's limit; the connection is closed.")
        default:
            Problem(
                type: "https://plansync.ro/problems/malformed-http", title: "Malformed HTTP request",
                status: 400, detail: "The request is not valid HTTP/1.1 (\(error.debugDescription)); the connection is closed.")
        }
    }
}
