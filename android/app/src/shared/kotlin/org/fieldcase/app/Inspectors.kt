// The two (or more) inspectors an inspection or interview names, with their credential numbers
// (执法证号): the same fields on both forms.
package org.fieldcase.app

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.snapshots.SnapshotStateList
import org.fieldcase.core.Inspector

/** The inspectors typed so far (a row left empty is no inspector). */
fun inspectors(names: List<String>, credentials: List<String>): List<Inspector> = names.indices
    .filter { names[it].isNotBlank() || credentials[it].isNotBlank() }
    .map { Inspector(name = names[it].trim(), credentialNumber = credentials[it].trim()) }

@Composable
fun InspectorFields(errors: Map<String, String>, names: SnapshotStateList<String>, credentials: SnapshotStateList<String>) {
    Text("执法人员（两人以上，须有执法证号）", style = MaterialTheme.typography.titleSmall)
    errors["inspectors"]?.let { Text(it, color = MaterialTheme.colorScheme.error) }
    for (i in names.indices) {
        FormField(errors, "inspectors.$i.name", "执法人员${i + 1}姓名", names[i]) { names[i] = it }
        FormField(errors, "inspectors.$i.credential_number", "执法证号", credentials[i]) { credentials[i] = it }
    }
}
