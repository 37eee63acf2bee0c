# The classic tutorial's server: answers what it reads in upper case, a thread per client.
import socketserver

class MyHandler(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            try:
                data = self.request.recv(1024)
                if not data:
                    break
                self.request.send(data.upper())
            except ConnectionResetError:
                break

if __name__ == "__main__":
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 8080), MyHandler)
    server.serve_forever()
