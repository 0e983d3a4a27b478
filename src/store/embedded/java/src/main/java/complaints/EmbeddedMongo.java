package complaints;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

import java.io.File;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Embedded MongoDB-compatible server (mongo-java-server) for development, tests and small
 * installs. Started by src/store/embedded/server.ts.
 *
 * <pre>
 * java -cp target/classes:target/lib/* complaints.EmbeddedMongo [--host 127.0.0.1] [--port N]
 *      (--memory | --data DIR) [--exit-on-stdin-close]
 * </pre>
 *
 * --port 0 picks a free port. --data DIR keeps everything in DIR/complaints.mv.db (H2).
 * --exit-on-stdin-close shuts down when standard input reaches end of file, so a server started
 * by a process that dies does not outlive it.
 *
 * Prints exactly one line "READY <port>" on stdout once bound; on failure prints the error on
 * stderr and exits 1; exit 2 for bad arguments. SIGTERM/SIGINT shut down cleanly (the H2 file is
 * flushed and closed).
 */
public final class EmbeddedMongo {

  /** mongo-java-server's MONGO_5_0 reports wire version 8; the Node driver 7 needs 9 or later. */
  private static final MongoVersion VERSION = new MongoVersion() {
    @Override
    public List<Integer> getVersionArray() {
      return List.of(5, 0, 0);
    }

    @Override
    public int getWireVersion() {
      return 13;
    }
  };

  private static void usage(String message) {
    System.err.println("error: " + message);
    System.err.println("usage: complaints.EmbeddedMongo [--host 127.0.0.1] [--port N] (--memory | --data DIR) [--exit-on-stdin-close]");
    System.exit(2);
  }

  public static void main(String[] args) {
    String host = "127.0.0.1";
    int port = 27017;
    boolean memory = false;
    String dataDir = null;
    boolean exitOnStdinClose = false;

    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--host" -> {
          if (i + 1 >= args.length) usage("--host needs a value");
          host = args[++i];
          if (!host.equals("127.0.0.1")) usage("--host: only 127.0.0.1 is supported (got " + host + ")");
        }
        case "--port" -> {
          if (i + 1 >= args.length) usage("--port needs a value");
          try {
            port = Integer.parseInt(args[++i]);
          } catch (NumberFormatException e) {
            usage("--port: expected a number from 0 to 65535, got " + args[i]);
          }
          if (port < 0 || port > 65535) usage("--port: expected a number from 0 to 65535, got " + port);
        }
        case "--memory" -> memory = true;
        case "--data" -> {
          if (i + 1 >= args.length) usage("--data needs a folder");
          dataDir = args[++i];
        }
        case "--exit-on-stdin-close" -> exitOnStdinClose = true;
        default -> usage("unknown argument " + a);
      }
    }
    if (memory == (dataDir != null)) usage("give exactly one of --memory or --data DIR");

    MongoBackend backend;
    String what;
    try {
      if (memory) {
        backend = new MemoryBackend();
        what = "memory";
      } else {
        File dir = new File(dataDir);
        if (!dir.isDirectory() && !dir.mkdirs()) throw new IllegalStateException("cannot create data folder " + dir.getAbsolutePath());
        File file = new File(dir, "complaints.mv.db");
        backend = new H2Backend(file.getAbsolutePath());
        what = file.getAbsolutePath();
      }
    } catch (Exception e) {
      System.err.println("error: cannot open the database" + (dataDir != null ? " in " + dataDir : "") + ": " + e.getMessage());
      System.exit(1);
      return;
    }
    backend.version(VERSION);

    MongoServer server = new MongoServer(backend);
    try {
      server.bind(host, port);
    } catch (Exception e) {
      String reason = e.getMessage();
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof java.net.BindException) reason = "address already in use";
      }
      System.err.println("error: cannot listen on " + host + ":" + port + ": " + reason);
      try {
        backend.close();
      } catch (Exception ignored) {
        // exiting anyway
      }
      System.exit(1);
      return;
    }

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.shutdownNow(); // closes clients, stops listening, closes the backend (H2: flush + close)
      } catch (Exception e) {
        System.err.println("error during shutdown: " + e.getMessage());
      } finally {
        stopped.countDown();
      }
    }, "embedded-mongo-shutdown"));

    int bound = server.getLocalAddress().getPort();
    System.out.println("READY " + bound);
    System.out.flush();
    System.err.println("embedded MongoDB (mongo-java-server, reports 5.0.0 / wire 13) on " + host + ":" + bound + ", " + what);

    if (exitOnStdinClose) {
      Thread watcher = new Thread(() -> {
        try {
          InputStream in = System.in;
          byte[] buf = new byte[256];
          while (in.read(buf) >= 0) {
            // ignore input; wait for end of file
          }
        } catch (Exception ignored) {
          // treat a broken stdin as closed
        }
        System.exit(0); // runs the shutdown hook
      }, "embedded-mongo-stdin-watch");
      watcher.setDaemon(true);
      watcher.start();
    }

    try {
      stopped.await();
    } catch (InterruptedException ignored) {
      Thread.currentThread().interrupt();
    }
  }
}
