// The phone-to-phone radio on Android, with no Google Play services: a local-only hotspot
// (WifiManager.startLocalOnlyHotspot, Android 8+) for the phone that shows its code, and
// WifiNetworkSpecifier (Android 10+) for the phone that scanned it, with the app's sockets bound
// to that network (it has no internet, so the system would not route through it otherwise).
// Permissions (AndroidManifest.xml): NEARBY_WIFI_DEVICES on Android 13+ (neverForLocation),
// ACCESS_FINE_LOCATION before it, CHANGE_WIFI_STATE, ACCESS_WIFI_STATE, CHANGE_NETWORK_STATE.
// An iPhone joins the same hotspot with NEHotspotConfiguration (ios/App).
package org.fieldcase.app

import android.annotation.SuppressLint
import android.content.Context
import android.net.ConnectivityManager
import android.net.Network
import android.net.NetworkCapabilities
import android.net.NetworkRequest
import android.net.wifi.WifiManager
import android.net.wifi.WifiNetworkSpecifier
import android.os.Build
import android.os.Handler
import android.os.Looper
import java.net.Inet4Address
import java.net.NetworkInterface
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.suspendCancellableCoroutine
import org.fieldcase.FieldException

class AndroidLocalRadio(private val context: Context) : LocalRadio {
    private val wifi = context.applicationContext.getSystemService(Context.WIFI_SERVICE) as WifiManager
    private val connectivity = context.getSystemService(Context.CONNECTIVITY_SERVICE) as ConnectivityManager
    private var reservation: WifiManager.LocalOnlyHotspotReservation? = null
    private var joined: ConnectivityManager.NetworkCallback? = null

    /** Whether the app may open a hotspot (the scan button asks for the same permission). */
    private fun allowed(): Boolean {
        val p = if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            android.Manifest.permission.NEARBY_WIFI_DEVICES
        } else {
            android.Manifest.permission.ACCESS_FINE_LOCATION
        }
        return context.checkSelfPermission(p) == android.content.pm.PackageManager.PERMISSION_GRANTED
    }

    @SuppressLint("MissingPermission") // checked by allowed()
    override suspend fun openHotspot(): Hotspot? = if (!allowed()) null else suspendCancellableCoroutine { cont ->
        wifi.startLocalOnlyHotspot(object : WifiManager.LocalOnlyHotspotCallback() {
            override fun onStarted(r: WifiManager.LocalOnlyHotspotReservation) {
                reservation = r
                val (name, password) = if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
                    val c = r.softApConfiguration
                    (c.wifiSsid?.toString()?.trim('"') ?: c.ssid.orEmpty()) to c.passphrase.orEmpty()
                } else {
                    @Suppress("DEPRECATION")
                    val c = r.wifiConfiguration
                    c?.SSID.orEmpty() to c?.preSharedKey.orEmpty()
                }
                val address = hotspotAddress()
                if (address == null) {
                    r.close()
                    cont.resume(null)
                } else {
                    cont.resume(Hotspot(name, password, address))
                }
            }

            override fun onFailed(reason: Int) {
                // Another app holds the hotspot, or tethering is on: share a network instead.
                cont.resume(null)
            }
        }, Handler(Looper.getMainLooper()))
        cont.invokeOnCancellation { close() }
    }

    override suspend fun join(name: String, password: String) {
        if (Build.VERSION.SDK_INT < Build.VERSION_CODES.Q) return // older phones join in Settings
        val specifier = WifiNetworkSpecifier.Builder().setSsid(name).setWpa2Passphrase(password).build()
        val request = NetworkRequest.Builder()
            .addTransportType(NetworkCapabilities.TRANSPORT_WIFI)
            .removeCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET)
            .setNetworkSpecifier(specifier)
            .build()
        suspendCancellableCoroutine { cont ->
            val callback = object : ConnectivityManager.NetworkCallback() {
                override fun onAvailable(network: Network) {
                    connectivity.bindProcessToNetwork(network)
                    if (cont.isActive) cont.resume(Unit)
                }

                override fun onUnavailable() {
                    if (cont.isActive) {
                        cont.resumeWithException(
                            FieldException.Network("没有连上同事手机的热点 $name：请靠近一些再扫一次"),
                        )
                    }
                }
            }
            joined = callback
            connectivity.requestNetwork(request, callback, 30_000)
            cont.invokeOnCancellation { close() }
        }
    }

    override fun close() {
        reservation?.close()
        reservation = null
        joined?.let {
            connectivity.bindProcessToNetwork(null)
            runCatching { connectivity.unregisterNetworkCallback(it) }
        }
        joined = null
    }

    /** The hotspot's own IPv4 address (its gateway address, on the access-point interface). */
    private fun hotspotAddress(): String? = NetworkInterface.getNetworkInterfaces().toList()
        .filter { it.isUp && !it.isLoopback && (it.name.startsWith("ap") || it.name.startsWith("swlan") || it.name.startsWith("wlan")) }
        .sortedBy { if (it.name.startsWith("ap") || it.name.startsWith("swlan")) 0 else 1 }
        .flatMap { it.inetAddresses.toList() }
        .firstOrNull { it is Inet4Address && it.isSiteLocalAddress }
        ?.hostAddress
}
