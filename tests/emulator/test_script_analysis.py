"""The script reader: connection references, labelled tables, WHERE clauses that select nothing."""

from __future__ import annotations

import pytest

from qlikreconcile.emulator.state.script_analysis import (
    ConnectionRef,
    build_data_model,
    connection_refs,
    empty_tables,
    loaded_tables,
    selects_nothing,
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


@pytest.mark.parametrize(
    "clause",
    [
        "1 = 0",
        " 1=2 ",
        "'a' = 'b'",
        "0 > 1",
        "FALSE",
        "customer_id = 4711 AND 1 = 0",
        "(1 = 0) OR ('x' <> 'x')",
        "customer_id = 7 AND (1 = 0 OR 2 < 1)",
    ],
)
def test_where_clauses_that_hold_for_no_row(clause: str) -> None:
    assert selects_nothing(clause)


@pytest.mark.parametrize(
    "clause",
    [
        "customer_id = 4711",
        "1 = 1",
        "customer_id = 4711 OR 1 = 0",
        "name = 'a AND 1 = 0'",
        "1 = 'a'",
        "amount > 0",
    ],
)
def test_where_clauses_that_may_select_rows(clause: str) -> None:
    assert not selects_nothing(clause)


def test_a_false_where_empties_its_own_table_only() -> None:
    script = """
    LIB CONNECT TO 'Acme build:dw';
    Orders:
    LOAD order_id AS OrderID, customer_id AS CustomerID;
    SQL SELECT order_id, customer_id FROM sales.orders
    WHERE customer_id = 4711 AND 1 = 0;
    Customers:
    LOAD customer_id AS CustomerID;
    SQL SELECT customer_id FROM sales.customers WHERE customer_id = 4711;
    DISCONNECT;
    """
    assert empty_tables(script) == {"Orders"}
    model = build_data_model("app-1", script)
    rows = {t.name: t.rows for t in model.tables}
    assert rows["Orders"] == 0
    assert rows["Customers"] >= 50
    assert [t.fields for t in model.tables if t.name == "Orders"] == [["OrderID", "CustomerID"]]
