/// This build's release and the newest schema it knows, as `switchyard --version` prints them.
public enum SwitchyardVersion {
    /// The release, written here and nowhere else.
    public static let release = "0.3.0"

    /// The newest migration this build ships, read from the migration list (never a second number).
    public static var schema: Int { Migrator().latestVersion }

    /// "switchyard 0.3.0 (schema 13)": the release and the newest migration.
    public static var description: String { "switchyard \(release) (schema \(schema))" }
}
