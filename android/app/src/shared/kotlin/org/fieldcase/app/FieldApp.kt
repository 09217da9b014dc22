// The app's screens and how a field worker moves between them: the ledger is home; a tap opens
// a case page or a record; the button for a new record offers what the device's role records;
// sync and conflicts are a tap from the top; exchanging with a colleague, from the sync screen. Android's activity (and a test here) hosts it.
package org.fieldcase.app

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.ExtendedFloatingActionButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import org.fieldcase.FieldStore
import org.fieldcase.HubTransport
import org.fieldcase.core.Kind
import org.fieldcase.core.Role
import org.fieldcase.creatableKinds
import org.fieldcase.kindName

/** Where the worker is. */
sealed interface Place {
    data object Ledger : Place
    data object NewRecord : Place
    data class Case(val id: String) : Place
    data class Record(val id: String) : Place
    data object NewIncident : Place
    data object NewInspection : Place
    data object NewInterview : Place
    data object NewMediation : Place
    data object Sync : Place

    /** Just joined: the sync screen, already bringing the township's records. */
    data object FirstSync : Place
    data object Conflicts : Place

    /** Exchange with a colleague, phone to phone, with no network. */
    data object Exchange : Place
}

/** The way back: the activity's back button pops it. */
class Navigation {
    var stack by mutableStateOf(listOf<Place>(Place.Ledger))
        private set
    val here: Place get() = stack.last()
    val canGoBack: Boolean get() = stack.size > 1

    fun go(place: Place) {
        stack = stack + place
    }

    /** Replaces where we are (a form saved becomes the ledger again). */
    fun home() {
        stack = listOf(Place.Ledger)
    }

    fun back(): Boolean {
        if (!canGoBack) return false
        stack = stack.dropLast(1)
        return true
    }
}

/** The form a kind of record is made with on the phone (cases, employers and the calendar are the office's). */
private fun formFor(kind: Kind): Place? = when (kind) {
    Kind.INCIDENT -> Place.NewIncident
    Kind.INSPECTION -> Place.NewInspection
    Kind.INTERVIEW -> Place.NewInterview
    Kind.MEDIATION -> Place.NewMediation
    else -> null
}

/** What a role may record (the core says which kinds), for the new-record choice. */
fun newRecordsFor(role: Role): List<Pair<Place, String>> =
    creatableKinds(role).mapNotNull { kind -> formFor(kind)?.let { it to kindName(kind) } }

@Composable
fun FieldApp(
    store: FieldStore,
    transport: HubTransport,
    nav: Navigation = remember { Navigation() },
    tools: PhoneTools? = null,
) {
    val me = store.identity()
    val scope = rememberCoroutineScope()
    val ledger = remember(store) { LedgerModel(store, me.user, scope) }
    val sync = remember(store) { SyncModel(store, transport, scope) }
    when (val place = nav.here) {
        Place.Ledger -> Box(Modifier.fillMaxSize()) {
            Column(Modifier.background(MaterialTheme.colorScheme.background)) {
                Row(Modifier.padding(horizontal = 8.dp), horizontalArrangement = Arrangement.spacedBy(4.dp)) {
                    TextButton(onClick = { nav.go(Place.Sync) }, modifier = Modifier.testTag("to-sync")) { Text("同步") }
                    TextButton(onClick = { nav.go(Place.Conflicts) }, modifier = Modifier.testTag("to-conflicts")) { Text("冲突") }
                }
                LedgerScreen(ledger, me.township) { row: org.fieldcase.core.LedgerRow ->
                    nav.go(if (row.kind == Kind.CASE) Place.Case(row.id) else Place.Record(row.id))
                }
            }
            ExtendedFloatingActionButton(
                onClick = {
                    val choices = newRecordsFor(me.role)
                    nav.go(if (choices.size == 1) choices.single().first else Place.NewRecord)
                },
                modifier = Modifier.align(Alignment.BottomEnd).padding(16.dp).testTag("new-record"),
            ) { Text(if (me.role == Role.GRID) "记录事件" else "新建记录") }
        }
        Place.NewRecord -> Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text("新建")
            for ((target, label) in newRecordsFor(me.role)) {
                ExtendedFloatingActionButton(onClick = { nav.back(); nav.go(target) }) { Text(label) }
            }
        }
        is Place.Case -> CaseScreen(remember(place.id) { CaseModel(store, place.id, scope) }) { nav.go(Place.Record(it)) }
        is Place.Record -> RecordScreen(remember(place.id) { RecordModel(store, place.id) })
        Place.NewIncident -> IncidentScreen(remember { IncidentModel(store, me.township, scope) }, tools) { nav.home() }
        Place.NewInspection -> InspectionScreen(remember { InspectionModel(store, me.township, scope) }, tools)
        Place.NewInterview -> InterviewScreen(remember { InterviewModel(store, me.township, scope) })
        Place.NewMediation -> MediationScreen(remember { MediationModel(store, me.township, scope) })
        Place.Sync -> SyncScreen(sync, onExchange = { nav.go(Place.Exchange) }) { nav.go(Place.Conflicts) }
        Place.FirstSync -> {
            LaunchedEffect(sync) { sync.syncNow() }
            SyncScreen(sync) { nav.go(Place.Conflicts) }
        }
        Place.Exchange -> ExchangeScreen(
            remember { ExchangeModel(store, scope, tools?.radio) },
            onScan = tools?.let { t -> { onCode -> t.scanCode(onCode) } },
        )
        Place.Conflicts -> ConflictsScreen(remember { ConflictsModel(store, scope) })
    }
}
