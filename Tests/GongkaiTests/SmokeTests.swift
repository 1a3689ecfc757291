import Testing
import GongkaiCore

@Test func jsonKeepsKeyOrder() {
    let j = JSON.object([("b", .int(1)), ("a", .null)])
    #expect(j.serialized() == "{\"b\":1,\"a\":null}")
}
