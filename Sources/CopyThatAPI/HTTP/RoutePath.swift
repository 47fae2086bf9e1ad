import Hummingbird

extension Request {
    /// The path's components as Hummingbird's router reads them: empty ones dropped, so `//api/v1//colors/extract/`
    /// reaches the same route as `/api/v1/colors/extract`; middleware that tests paths must read them this way, or a
    /// doubled slash walks past it.
    var routeComponents: [Substring] { self.uri.path.split(separator: "/") }

    /// Whether the router takes this request to `/api/v1` or a route under it.
    var isUnderAPIv1: Bool {
        let components = self.routeComponents
        return components.count >= 2 && components[0] == "api" && components[1] == "v1"
    }
}
