// What only a phone has, for the shared screens: the camera, the location service, and the
// radio for exchanging with a colleague. The
// Android activity provides them; on the desktop (the tests) there are none and the screens
// leave their buttons out.
package org.fieldcase.app

interface PhoneTools {
    /** Takes a photo; `onPhoto` gets it as JPEG. */
    fun takePhoto(onPhoto: (ByteArray) -> Unit)

    /** Finds where the phone is; `onPlace` gets latitude, longitude (WGS-84) and accuracy in metres. */
    fun locate(onPlace: (Double, Double, Double?) -> Unit)

    /** Reads a QR code with the camera (a colleague's exchange code); `onText` gets what it says.
     *  Tools without a code reader read nothing: the code is then typed. */
    fun scanCode(onText: (String) -> Unit) {}

    /** The hotspot a phone-to-phone exchange runs over; null where there is none (a shared network). */
    val radio: LocalRadio? get() = null
}
