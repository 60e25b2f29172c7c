export { decodeCursor, encodeCursor } from "./cursor.js";
export { defaultPageSize, maxPageSize, pageSize } from "./page-size.js";
