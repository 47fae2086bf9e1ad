/// The API's field rules, each bound also written in the OpenAPI document.
enum Validation {
    static let emailMaxLength = 254
    static let passwordMinLength = 12
    static let passwordMaxLength = 128
    static let fullNameMaxLength = 255
    static let projectNameMaxLength = 255
    static let descriptionMaxLength = 2000
    static let keyNameMaxLength = 100
    static let tokenMaxLength = 4096

    /// A pragmatic address check: one `@`, a local part, a dotted domain of letters, digits and hyphens, no spaces
    /// or control characters. (Whether it receives mail is for a verification email to find out.)
    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let local = parts[0]
        let domain = parts[1]
        let specials = "()<>[]\\,;:\"".unicodeScalars
        let localAllowed = local.unicodeScalars.allSatisfy { scalar in
            scalar.value > 32 && scalar.value != 127 && !specials.contains(scalar)
                && (scalar.isASCII || scalar.properties.isAlphabetic || scalar.properties.numericType != nil)
        }
        guard localAllowed else { return false }
        guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-") else { return false }
            guard
                label.unicodeScalars.allSatisfy({ ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") && $0.value > 32 })
            else { return false }
        }
        return true
    }

    /// Characters a project name may hold besides letters and digits: an allowlist, not a blocklist, so markup
    /// (`<`, `>`, quotes, backslashes), control and invisible characters never get in.
    static let nameExtras: Set<Character> = [" ", "-", "_", ".", ",", "'", "(", ")", "&", "+", "#", "!", "?"]

    /// Whether `name` (already trimmed) is allowed: starts with a letter or digit, then letters, digits and
    /// ``nameExtras``.
    static func isProjectName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first.isNumber else { return false }
        return name.allSatisfy { character in
            (character.isLetter || character.isNumber || Self.nameExtras.contains(character))
                && character.unicodeScalars.allSatisfy {
                    !$0.properties.isDefaultIgnorableCodePoint && $0.properties.generalCategory != .control
                }
        }
    }

    /// Whether free text (a description, a full name) holds no control characters other than newline and tab.
    static func isPlainText(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            scalar == "\n" || scalar == "\t"
                || (scalar.properties.generalCategory != .control && scalar.value != 0x2028 && scalar.value != 0x2029)
        }
    }
}
