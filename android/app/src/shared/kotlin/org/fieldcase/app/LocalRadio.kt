// What a phone-to-phone exchange needs of the phone's radio, for the shared screens: a
// local-only hotspot to open (the phone that shows its code) and a network to join (the phone
// that scanned it). Android provides both (AndroidLocalRadio); on the desktop (the tests) both
// phones share 127.0.0.1 and there is none.
package org.fieldcase.app

/** A local-only hotspot this phone opened: what the other phone joins, and where this one listens. */
data class Hotspot(val name: String, val password: String, val address: String)

interface LocalRadio {
    /** Opens a local-only hotspot; null when this phone cannot (the other phone then must share a network). */
    suspend fun openHotspot(): Hotspot?

    /** Joins the hotspot a scanned code names, and routes this app's sockets through it. */
    suspend fun join(name: String, password: String)

    /** Closes what `openHotspot` or `join` opened. */
    fun close()
}
