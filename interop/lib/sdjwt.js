export async function makeSdJwtFixtures() {}
