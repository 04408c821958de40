// Runs an embedded Neo4j 5.26 Community DBMS with only a Bolt connector on 127.0.0.1.
//
// Java 17 single-file source launch; the jars come from scripts/devservers/neo4j.py ensure_jars():
//
//   java -Xmx1g -cp '<repo>/.cache/neo4j-5.26/lib/*' Launcher.java <home-dir> <port> [page-cache-bytes]
//
// <home-dir> holds everything the server writes: data/ (databases and transaction logs) and
// logs/debug.log. No neo4j.conf is read. Auth, HTTP/HTTPS, server-side routing and usage data
// reporting are off. Prints "READY bolt://127.0.0.1:<port>" on stdout once the default database
// "neo4j" answers queries. SIGTERM / SIGINT shut the DBMS down cleanly (shutdown hook).

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

public class Launcher {
    private static final String HOST = "127.0.0.1";
    private static final String DEFAULT_DATABASE = "neo4j";
    private static final long DEFAULT_PAGE_CACHE = 128L * 1024 * 1024;

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: java -cp '<lib>/*' Launcher.java <home-dir> <port> [page-cache-bytes]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath().normalize();
        int port = Integer.parseInt(args[1]);
        long pageCache = args.length > 2 ? Long.parseLong(args[2]) : DEFAULT_PAGE_CACHE;
        Files.createDirectories(home);

        SocketAddress bolt = new SocketAddress(HOST, port);
        long started = System.nanoTime();
        log("starting Neo4j " + neo4jVersion() + " in " + home + " (bolt " + HOST + ":" + port + ")");

        DatabaseManagementService dbms;
        try {
            dbms = new DatabaseManagementServiceBuilder(home)
                    // Network: Bolt on loopback only, nothing else listening.
                    .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress(HOST))
                    .setConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress(HOST))
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, bolt)
                    .setConfig(BoltConnector.advertised_address, bolt)
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    // The Bolt server's event loops wait ~5 s each on shutdown by default. They stop
                    // after the databases are closed and checkpointed, so cutting the wait short is
                    // safe (debug.log then notes "Remaining jobs will be forcefully terminated").
                    .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofMillis(500))
                    .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                    .setConfig(HttpConnector.enabled, false)
                    .setConfig(HttpsConnector.enabled, false)
                    .setConfig(GraphDatabaseSettings.routing_enabled, false)
                    .setConfig(GraphDatabaseSettings.auth_enabled, false)
                    // Never phone home (dbms.usage_report.enabled).
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    // Small, test-friendly footprint.
                    .setConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
                    .setConfig(GraphDatabaseSettings.pagecache_warmup_enabled, false)
                    .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                    .setConfig(GraphDatabaseSettings.logs_directory, home.resolve("logs"))
                    .build();
        } catch (Throwable t) {
            System.err.println("FAILED to start Neo4j: " + t);
            t.printStackTrace();
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(1);
            return;
        }

        final DatabaseManagementService service = dbms;
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log("shutting down");
            try {
                service.shutdown();
                log("STOPPED");
            } catch (Throwable t) {
                System.err.println("error during shutdown: " + t);
                t.printStackTrace();
            } finally {
                stopped.countDown();
                System.out.flush();
                System.err.flush();
            }
        }, "neo4j-devserver-shutdown"));

        GraphDatabaseService db = service.database(DEFAULT_DATABASE);
        if (!db.isAvailable(Duration.ofMinutes(2).toMillis())) {
            System.err.println("FAILED: database '" + DEFAULT_DATABASE + "' did not become available");
            System.exit(1);
        }
        db.executeTransactionally("RETURN 1");

        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        log("started in " + ms + " ms");
        System.out.println("READY bolt://" + HOST + ":" + port);
        System.out.flush();

        // Park the main thread; the JVM exits after the shutdown hook has run.
        stopped.await();
    }

    private static String neo4jVersion() {
        Package p = DatabaseManagementServiceBuilder.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "(unknown version)" : v;
    }

    private static void log(String message) {
        System.out.println("[neo4j-devserver] " + message);
        System.out.flush();
    }
}
