// What only a phone has, for the shared screens: the camera and the location service. The
// Android activity provides them; on the desktop (the tests) there are none and the screens
// leave their buttons out.
package org.fieldcase.app

interface PhoneTools {
    /** Takes a photo; `onPhoto` gets it as JPEG. */
    fun takePhoto(onPhoto: (ByteArray) -> Unit)

    /** Finds where the phone is; `onPlace` gets latitude, longitude (WGS-84) and accuracy in metres. */
    fun locate(onPlace: (Double, Double, Double?) -> Unit)
}
