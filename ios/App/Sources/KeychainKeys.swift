// The store's key: 32 random bytes made on first run and kept in the Keychain, readable after
// the first unlock on this device only (never in a backup, never on another phone).
import Fieldcase
import Foundation
import Security

final class KeychainKeys: KeyProvider, @unchecked Sendable {
    private let account = "fieldcase-store-key"

    func storeKey() -> Data {
        if let key = read() { return key }
        var bytes = Data(count: 32)
        let made = bytes.withUnsafeMutableBytes { SecRandomCopyBytes(kSecRandomDefault, 32, $0.baseAddress!) }
        precondition(made == errSecSuccess, "the system gave no random bytes")
        let add: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrAccount as String: account,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
            kSecValueData as String: bytes,
        ]
        SecItemAdd(add as CFDictionary, nil)
        return read() ?? bytes
    }

    private func read() -> Data? {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrAccount as String: account,
            kSecReturnData as String: true,
            kSecMatchLimit as String: kSecMatchLimitOne,
        ]
        var out: CFTypeRef?
        guard SecItemCopyMatching(query as CFDictionary, &out) == errSecSuccess else { return nil }
        return out as? Data
    }
}
