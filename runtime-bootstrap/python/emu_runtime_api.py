"""The Runtime API client of emu's Python runtime: one keep-alive HTTP/1.1 connection on a raw
_socket. http.client (through email.parser) and even the socket module (through selectors and
enum) cost more at start-up than the rest of the runtime, and the Runtime API needs only this."""

import _socket


class Headers(dict):
    """Response headers, looked up without regard to case."""

    def get(self, name, default=None):
        return dict.get(self, name.lower(), default)


class ProtocolError(OSError):
    pass


class Connection(object):
    """A connected socket and what has been received on it but not yet read."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.sock = connect(host or "127.0.0.1", int(port))
        self.sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        self.buffer = bytearray()

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ProtocolError("the Runtime API closed the connection")
        self.buffer += data

    def read_until(self, marker):
        start = 0
        while True:
            at = self.buffer.find(marker, start)
            if at >= 0:
                data = bytes(self.buffer[:at])
                del self.buffer[: at + len(marker)]
                return data
            start = max(0, len(self.buffer) - len(marker) + 1)
            self.fill()

    def read(self, size):
        if len(self.buffer) >= size:
            data = bytes(self.buffer[:size])
            del self.buffer[:size]
            return data
        # A large body (an event of megabytes) goes straight into its own buffer.
        data = bytearray(size)
        have = len(self.buffer)
        data[:have] = self.buffer
        self.buffer = bytearray()
        view = memoryview(data)
        while have < size:
            received = self.sock.recv_into(view[have:])
            if received == 0:
                raise ProtocolError("the Runtime API closed the connection")
            have += received
        return bytes(data)

    def close(self):
        self.sock.close()


def connect(host, port):
    """No timeout: /next is a long poll. A host that is no IPv4 address goes through the socket module."""
    try:
        _socket.inet_pton(_socket.AF_INET, host)
    except OSError:
        import socket

        return socket.create_connection((host, port))
    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        sock.connect((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def read_response(connection):
    head = connection.read_until(b"\r\n\r\n").split(b"\r\n")
    parts = head[0].split(None, 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise ProtocolError("bad status line from the Runtime API: %r" % head[0])
    headers = Headers()
    for line in head[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("Transfer-Encoding", "").lower() == "chunked":
        body = read_chunked(connection)
    else:
        body = connection.read(int(headers.get("Content-Length") or 0))
    return int(parts[1]), headers, body


def read_chunked(connection):
    chunks = []
    while True:
        size = int(connection.read_until(b"\r\n").split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while connection.read_until(b"\r\n") != b"":  # trailers, up to the blank line
                pass
            return b"".join(chunks)
        chunks.append(connection.read(size))
        connection.read_until(b"\r\n")


class RuntimeApiClient(object):
    def __init__(self, address):
        self.address = address
        self.connection = None

    def exchange(self, method, path, body, headers):
        if self.connection is None:
            self.connection = Connection(self.address)
        lines = ["%s /2018-06-01/runtime%s HTTP/1.1" % (method, path), "Host: " + self.address]
        for name, value in (headers or {}).items():
            lines.append("%s: %s" % (name, value))
        if body is not None:
            lines.append("Content-Length: %d" % len(body))
        self.connection.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        status, response_headers, response_body = read_response(self.connection)
        if response_headers.get("Connection", "").lower() == "close":
            self.close()
        return status, response_headers, response_body

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def call(self, method, path, body=None, headers=None):
        try:
            return self.exchange(method, path, body, headers)
        except (ConnectionError, ProtocolError):
            # A kept-alive connection the server had closed: once more on a new one.
            self.close()
            return self.exchange(method, path, body, headers)
