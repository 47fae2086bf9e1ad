extension Array where Element == RuleGroup {
    /// These groups with the `for` of each alerting rule named in `overrides` replaced (milliseconds), as the
    /// exporter's `alert_for_overrides` asks: a test or a demo shortens a hold without editing the rule files.
    public func overridingFor(_ overrides: [String: Int64]) -> [RuleGroup] {
        guard !overrides.isEmpty else { return self }
        return self.map { group in
            var group = group
            group.rules = group.rules.map { rule in
                guard case .alerting(var definition) = rule, let hold = overrides[definition.name] else { return rule }
                definition.holdMilliseconds = hold
                return .alerting(definition)
            }
            return group
        }
    }
}
