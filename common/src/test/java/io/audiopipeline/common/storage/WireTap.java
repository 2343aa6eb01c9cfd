package io.audiopipeline.common.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP relay in front of a server that keeps what the clients send (to check what was on the wire) and,
 * when asked, flips one bit of it once: the first connection whose upload passes {@code corruptAt} bytes
 * gets that byte altered (deep inside a request body, past the headers), as a faulty network card or
 * proxy would. Everything else is relayed as is.
 */
final class WireTap implements AutoCloseable {
    private final ServerSocket listener;
    private final URI target;
    private final long offset;
    private final AtomicBoolean corrupted = new AtomicBoolean();
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();

    /** {@code corruptAt} negative: nothing is altered. */
    WireTap(URI target, long corruptAt) throws IOException {
        this.target = target;
        this.offset = corruptAt;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "wire-tap");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** Whether a byte has been altered yet. */
    boolean corrupted() {
        return corrupted.get();
    }

    /** How many times {@code text} (any case) occurs in what the clients sent, headers and bodies alike. */
    int occurrences(String text) {
        String wire;
        synchronized (sent) {
            wire = sent.toString(StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        }
        String wanted = text.toLowerCase(Locale.ROOT);
        int count = 0;
        for (int i = wire.indexOf(wanted); i >= 0; i = wire.indexOf(wanted, i + wanted.length())) {
            count++;
        }
        return count;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(target.getHost(), target.getPort());
                relay(client.getInputStream(), server.getOutputStream(), true, client, server);
                relay(server.getInputStream(), client.getOutputStream(), false, client, server);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void relay(InputStream from, OutputStream to, boolean upstream, Socket a, Socket b) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            long seen = 0;
            try {
                for (int n = from.read(buffer); n >= 0; n = from.read(buffer)) {
                    if (upstream && offset >= 0 && seen <= offset && offset < seen + n && corrupted.compareAndSet(false, true)) {
                        buffer[(int) (offset - seen)] ^= 0x01;
                    }
                    seen += n;
                    if (upstream) {
                        synchronized (sent) {
                            sent.write(buffer, 0, n);
                        }
                    }
                    to.write(buffer, 0, n);
                    to.flush();
                }
            } catch (IOException ignored) {
                // one side went away: close both
            } finally {
                close(a);
                close(b);
            }
        }, "wire-tap-relay");
        t.setDaemon(true);
        t.start();
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
