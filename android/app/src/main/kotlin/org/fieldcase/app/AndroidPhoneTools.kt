// The camera and the location service for the shared screens: a preview photo from the camera
// app (compressed to JPEG), the current position from the fused or GPS provider, each asking
// for its permission the first time; QR codes read with the ZXing scanner (a colleague's
// exchange code), and the local-only hotspot for exchanging (AndroidLocalRadio).
package org.fieldcase.app

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.graphics.Bitmap
import android.location.LocationManager
import android.os.Build
import androidx.activity.compose.ManagedActivityResultLauncher
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.platform.LocalContext
import androidx.core.content.ContextCompat
import com.journeyapps.barcodescanner.ScanContract
import com.journeyapps.barcodescanner.ScanIntentResult
import com.journeyapps.barcodescanner.ScanOptions
import java.io.ByteArrayOutputStream

private class AndroidPhoneTools(private val context: Context) : PhoneTools {
    override val radio: LocalRadio = AndroidLocalRadio(context)
    var onCode: ((String) -> Unit)? = null
    lateinit var scanner: ManagedActivityResultLauncher<ScanOptions, ScanIntentResult>
    lateinit var wifiPermissions: ManagedActivityResultLauncher<Array<String>, Map<String, Boolean>>
    var onPhoto: ((ByteArray) -> Unit)? = null
    var onPlace: ((Double, Double, Double?) -> Unit)? = null
    lateinit var camera: ManagedActivityResultLauncher<Void?, Bitmap?>
    lateinit var permission: ManagedActivityResultLauncher<String, Boolean>

    override fun takePhoto(onPhoto: (ByteArray) -> Unit) {
        this.onPhoto = onPhoto
        camera.launch(null)
    }

    override fun locate(onPlace: (Double, Double, Double?) -> Unit) {
        this.onPlace = onPlace
        if (ContextCompat.checkSelfPermission(context, Manifest.permission.ACCESS_FINE_LOCATION) == PackageManager.PERMISSION_GRANTED) {
            currentPlace()
        } else {
            permission.launch(Manifest.permission.ACCESS_FINE_LOCATION)
        }
    }

    override fun scanCode(onText: (String) -> Unit) {
        onCode = onText
        // The hotspot and joining it need these first (Android 13+: nearby Wi-Fi devices).
        val needed = if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            arrayOf(Manifest.permission.NEARBY_WIFI_DEVICES, Manifest.permission.CAMERA)
        } else {
            arrayOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.CAMERA)
        }
        if (needed.all { ContextCompat.checkSelfPermission(context, it) == PackageManager.PERMISSION_GRANTED }) {
            scanner.launch(ScanOptions().setDesiredBarcodeFormats(ScanOptions.QR_CODE).setPrompt("对准同事手机上的交换码"))
        } else {
            wifiPermissions.launch(needed)
        }
    }

    fun photoTaken(bitmap: Bitmap?) {
        val b = bitmap ?: return
        val out = ByteArrayOutputStream()
        b.compress(Bitmap.CompressFormat.JPEG, 85, out)
        onPhoto?.invoke(out.toByteArray())
    }

    @Suppress("MissingPermission")
    fun currentPlace() {
        val lm = context.getSystemService(Context.LOCATION_SERVICE) as LocationManager
        val provider = if (lm.isProviderEnabled(LocationManager.GPS_PROVIDER)) LocationManager.GPS_PROVIDER else LocationManager.NETWORK_PROVIDER
        if (Build.VERSION.SDK_INT >= 30) {
            lm.getCurrentLocation(provider, null, ContextCompat.getMainExecutor(context)) { loc ->
                loc?.let { onPlace?.invoke(it.latitude, it.longitude, if (it.hasAccuracy()) it.accuracy.toDouble() else null) }
            }
        } else {
            lm.getLastKnownLocation(provider)?.let {
                onPlace?.invoke(it.latitude, it.longitude, if (it.hasAccuracy()) it.accuracy.toDouble() else null)
            }
        }
    }
}

@Composable
fun rememberPhoneTools(): PhoneTools {
    val context = LocalContext.current
    val tools = remember { AndroidPhoneTools(context) }
    tools.camera = rememberLauncherForActivityResult(ActivityResultContracts.TakePicturePreview()) { tools.photoTaken(it) }
    tools.permission = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) tools.currentPlace()
    }
    tools.scanner = rememberLauncherForActivityResult(ScanContract()) { result ->
        result.contents?.let { tools.onCode?.invoke(it) }
    }
    tools.wifiPermissions = rememberLauncherForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) { granted ->
        if (granted.values.all { it }) tools.onCode?.let { tools.scanCode(it) }
    }
    return tools
}
