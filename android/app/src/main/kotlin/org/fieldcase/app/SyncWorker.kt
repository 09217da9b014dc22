// Background sync: WorkManager runs one session with the township hub whenever a network is
// there (every 30 minutes at most, and once soon after each start), with the same library call
// as the sync screen. A session that could not reach the hub is retried with back-off; one the
// hub refused (a revoked device) is not.
package org.fieldcase.app

import android.content.Context
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import java.io.File
import java.util.concurrent.TimeUnit
import org.fieldcase.FieldException
import org.fieldcase.OkHttpTransport
import org.fieldcase.openStore

class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val dir = File(applicationContext.filesDir, "store")
        if (!File(dir, "fieldcase.db").exists()) return Result.success()
        return try {
            openStore(dir, KeystoreKeys(applicationContext)).use { store ->
                if (store.syncStatus().hub == null) return Result.success()
                store.sync(OkHttpTransport(), null, null)
            }
            Result.success()
        } catch (e: FieldException.Network) {
            Result.retry()
        } catch (e: FieldException.Cancelled) {
            Result.retry()
        } catch (e: FieldException) {
            Result.failure()
        }
    }

    companion object {
        private const val NAME = "fieldcase-sync"

        /** Asks for a sync whenever there is a network, every 30 minutes at most. */
        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(30, TimeUnit.MINUTES)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .build()
            WorkManager.getInstance(context).enqueueUniquePeriodicWork(NAME, ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
