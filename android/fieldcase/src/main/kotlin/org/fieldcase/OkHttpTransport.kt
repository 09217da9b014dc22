// The phone's way to the hub on Android: OkHttp, with the hub's certificate pinned.
package org.fieldcase

import java.io.IOException
import java.security.MessageDigest
import java.security.cert.CertificateException
import java.security.cert.X509Certificate
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.TimeUnit
import javax.net.ssl.SSLContext
import javax.net.ssl.TrustManagerFactory
import javax.net.ssl.X509TrustManager
import okhttp3.MediaType.Companion.toMediaTypeOrNull
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import org.fieldcase.core.HubRequest
import org.fieldcase.core.Method

/**
 * Sends the library's requests with OkHttp (so the phone's proxy, VPN and the certificate
 * authorities installed by device management apply), reading each answer as it arrives.
 *
 * A hub with a pin (the SHA-256 of its certificate, from the join link) is trusted for that
 * certificate alone, whatever the system trusts; one without a pin must carry a certificate
 * the system trusts.
 */
class OkHttpTransport(private val base: OkHttpClient = defaultClient()) : HubTransport {
    private val pinned = ConcurrentHashMap<String, OkHttpClient>()

    override fun send(hub: String, pin: String?, request: HubRequest, response: HubResponse) {
        val client = if (pin == null) base else pinned.getOrPut(pin.lowercase()) { pinnedClient(base, pin) }
        val body = when (request.method) {
            Method.GET -> null
            else -> request.body.toRequestBody(request.contentType?.toMediaTypeOrNull())
        }
        val call = Request.Builder()
            .url(hub.trimEnd('/') + "/" + request.path)
            .method(request.method.name, body)
            .apply { request.authorization?.let { header("Authorization", it) } }
            .build()
        try {
            client.newCall(call).execute().use { answer ->
                response.status(answer.code)
                val stream = answer.body?.byteStream() ?: return
                val buffer = ByteArray(64 * 1024)
                while (true) {
                    val n = stream.read(buffer)
                    if (n < 0) break
                    // Throws FieldException when the session stopped reading: it propagates.
                    response.data(buffer.copyOf(n))
                }
            }
        } catch (e: IOException) {
            throw FieldException.Network("the hub at $hub could not be reached: ${e.message ?: e.javaClass.simpleName}")
        }
    }

    companion object {
        fun defaultClient(): OkHttpClient = OkHttpClient.Builder()
            .connectTimeout(20, TimeUnit.SECONDS)
            // A weak link may pause long between frames; the session resumes where it stopped.
            .readTimeout(60, TimeUnit.SECONDS)
            .writeTimeout(60, TimeUnit.SECONDS)
            .build()

        /** A client that trusts the hub's certificate whose SHA-256 is [pin], and no other. */
        fun pinnedClient(base: OkHttpClient, pin: String): OkHttpClient {
            val trust = PinnedTrust(pin.lowercase())
            val tls = SSLContext.getInstance("TLS").apply { init(null, arrayOf(trust), null) }
            return base.newBuilder()
                .sslSocketFactory(tls.socketFactory, trust)
                // The pinned certificate names the hub; its address may be an IP or change.
                .hostnameVerifier { _, _ -> true }
                .build()
        }
    }
}

/** Accepts exactly the certificate whose SHA-256 (of its DER encoding) is [pin]. */
private class PinnedTrust(private val pin: String) : X509TrustManager {
    private val system: X509TrustManager = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm())
        .apply { init(null as java.security.KeyStore?) }
        .trustManagers.filterIsInstance<X509TrustManager>().first()

    override fun checkServerTrusted(chain: Array<out X509Certificate>, authType: String) {
        val leaf = chain.firstOrNull() ?: throw CertificateException("the hub sent no certificate")
        val seen = MessageDigest.getInstance("SHA-256").digest(leaf.encoded).joinToString("") { "%02x".format(it) }
        if (seen != pin) {
            throw CertificateException("the hub's certificate ($seen) is not the one this phone joined ($pin)")
        }
    }

    override fun checkClientTrusted(chain: Array<out X509Certificate>, authType: String) =
        system.checkClientTrusted(chain, authType)

    override fun getAcceptedIssuers(): Array<X509Certificate> = arrayOf()
}
