// A real township hub for the JVM tests (Kotlin bindings and Compose screens): `fieldcase serve`
// over its own store on 127.0.0.1, HTTPS with its own certificate, and enrolments from its CLI.
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/** A township hub: `fieldcase serve` over its own store, HTTPS with its own certificate. */
class Hub(private val dir: Path) : AutoCloseable {
    private val bin = System.getProperty("fieldcase.bin")
    private val process: Process
    val url: String
    val pin: String

    init {
        run("init", "--township", "青浦区", "--user", "办公室", "--role", "office")
        process = ProcessBuilder(bin, "--store", dir.toString(), "serve", "--listen", "127.0.0.1:0")
            .redirectError(ProcessBuilder.Redirect.INHERIT).start()
        val first = process.inputStream.bufferedReader().readLine() ?: error("the hub did not start")
        url = Regex("\"url\":\"([^\"]+)\"").find(first)!!.groupValues[1]
        pin = Regex("\"certificate_sha256\":\"([0-9a-f]+)\"").find(first)!!.groupValues[1]
    }

    private fun run(vararg args: String): String {
        val p = ProcessBuilder(bin, "--store", dir.toString(), *args).redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        check(p.waitFor() == 0) { "fieldcase ${args.joinToString(" ")}: $out" }
        return out
    }

    /** The join link the office gives a new phone. */
    fun enroll(user: String, role: String = "inspector", township: String = "华新镇"): String =
        Regex("\"link\": \"([^\"]+)\"").find(run("enroll", "--township", township, "--role", role, "--user", user))!!
            .groupValues[1]

    override fun close() {
        process.destroy()
        process.waitFor(10, TimeUnit.SECONDS)
    }
}
