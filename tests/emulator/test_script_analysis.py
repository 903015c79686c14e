"""The script reader: connection references and labelled tables."""

from __future__ import annotations

from qlikreconcile.emulator.script_analysis import (
    ConnectionRef,
    build_data_model,
    connection_refs,
    loaded_tables,
)


def test_connection_refs() -> None:
    script = """
    LIB CONNECT TO 'Acme build:acme_pg';
    /* LIB CONNECT TO 'Hidden:x'; */
    LIB CONNECT TO "plain";
    LOAD * FROM [lib://Shared data:files/a.csv];
    LOAD * FROM [lib://DataFiles/b.qvd] (qvd);
    LIB CONNECT TO ':local';
    """
    assert connection_refs(script) == [
        ConnectionRef("Acme build", "acme_pg"),
        ConnectionRef(None, "plain"),
        ConnectionRef("Shared data", "files"),
        ConnectionRef(None, "local"),
    ]


def test_tables_and_fields() -> None:
    script = """
    SET x = 1;
    Orders:
    LOAD OrderID, Amount * 1.2 AS Gross, [Customer ID];
    SQL SELECT * FROM orders;
    [Order Lines]:
    SQL SELECT line_id AS LineID, o.order_id AS OrderID FROM lines;
    Calendar: LOAD * INLINE [Date
    2024-01-01];
    """
    assert loaded_tables(script) == [
        ("Orders", ["OrderID", "Gross", "Customer ID"]),
        ("Order Lines", ["LineID", "OrderID"]),
        ("Calendar", ["CalendarID", "CalendarName", "CalendarValue"]),
    ]
    a = build_data_model("app-1", script)
    assert a == build_data_model("app-1", script)
    assert a != build_data_model("app-2", script)
