// The pieces every form shares: a text field that shows the core's message for its path, and
// the reading of what a person typed into numbers and dates (a typing slip is caught here; every
// rule about the value is the core's).
package org.fieldcase.app

import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.snapshots.SnapshotStateMap
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.KeyboardType
import java.time.LocalDate
import java.time.format.DateTimeParseException
import org.fieldcase.FieldException
import org.fieldcase.readYuan

/** A field whose test tag is the record path it fills, with the message the core gave for it. */
@Composable
fun FormField(
    errors: Map<String, String>,
    path: String,
    label: String,
    value: String,
    keyboard: KeyboardType = KeyboardType.Text,
    singleLine: Boolean = true,
    enabled: Boolean = true,
    onChange: (String) -> Unit,
) {
    val error = errors[path]
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(label) },
        singleLine = singleLine,
        enabled = enabled,
        isError = error != null,
        supportingText = error?.let { { Text(it) } },
        keyboardOptions = KeyboardOptions(keyboardType = keyboard),
        modifier = Modifier.fillMaxWidth().testTag(path),
    )
}

/** Reads what was typed; a slip is put at `field` and gives null, as does an empty field. */
class Typed(private val errors: SnapshotStateMap<String, String>) {
    fun count(field: String, text: String): Int? = read(field, text, "请输入整数") { it.toInt() }

    /** 元 as typed, read by the core (the same amounts on iOS and the office's pages), kept in fen. */
    fun yuan(field: String, text: String): Long? {
        if (text.isBlank()) return null
        return try {
            readYuan(text)
        } catch (e: FieldException) {
            errors[field] = e.inChinese()
            null
        }
    }

    /** A date as YYYY-MM-DD, which the core keeps. */
    fun date(field: String, text: String): String? =
        read(field, text, "请按 2026-12-10 的格式填写日期") { LocalDate.parse(it).toString() }

    fun text(value: String): String? = value.trim().ifEmpty { null }

    private fun <T> read(field: String, text: String, slip: String, parse: (String) -> T): T? {
        val t = text.trim()
        if (t.isEmpty()) return null
        return try {
            parse(t)
        } catch (e: NumberFormatException) {
            errors[field] = slip
            null
        } catch (e: ArithmeticException) {
            errors[field] = slip
            null
        } catch (e: DateTimeParseException) {
            errors[field] = slip
            null
        }
    }
}

