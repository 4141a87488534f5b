"""Tables of the registry: regions, households, persons, employers, employment and enrollment."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.store.base import Base, Id, Month, UtcDateTime, utcnow


class Region(Base):
    """A GB/T 2260 division; loaded from the bundled code list by ``db upgrade``."""

    __tablename__ = "regions"

    code: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(12))
    parent_code: Mapped[int | None]
    historical: Mapped[bool] = mapped_column(Boolean, default=False)


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    region_code: Mapped[int] = mapped_column(ForeignKey("regions.code"), index=True)
    hukou_type: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Person(Base):
    """One national record per person, keyed by the resident identity number."""

    __tablename__ = "persons"
    __table_args__ = (
        Index("ix_persons_name", "name", postgresql_ops={"name": "text_pattern_ops"}),
        Index("ix_persons_id_number_reversed", text("reverse(id_number) text_pattern_ops")).ddl_if(
            dialect="postgresql"
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[date] = mapped_column(Date)
    hukou_region_code: Mapped[int] = mapped_column(ForeignKey("regions.code"))
    hukou_type: Mapped[str] = mapped_column(String(8))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    region_code: Mapped[int] = mapped_column(ForeignKey("regions.code"), index=True)
    """The region of record: where the person is managed (operator scope)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Employer(Base):
    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[int] = mapped_column(ForeignKey("regions.code"), index=True)
    risk_class: Mapped[int] = mapped_column(SmallInteger)
    """Industry risk class 1-8 of the work-injury benchmark rates."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class EmploymentSpell(Base):
    __tablename__ = "employment_spells"
    __table_args__ = (
        Index(
            "uq_employment_spells_open",
            "person_id",
            "employer_id",
            unique=True,
            sqlite_where=text("end_month IS NULL"),
            postgresql_where=text("end_month IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    region_code: Mapped[int] = mapped_column(ForeignKey("regions.code"))
    start_month: Mapped[str] = mapped_column(Month)
    end_month: Mapped[str | None] = mapped_column(Month)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Enrollment(Base):
    """Membership of one person in one scheme; at most one not ended per person and scheme."""

    __tablename__ = "enrollments"
    __table_args__ = (
        Index(
            "uq_enrollments_current",
            "person_id",
            "scheme",
            unique=True,
            sqlite_where=text("status <> 'ended'"),
            postgresql_where=text("status <> 'ended'"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(20))
    worker_type: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    region_code: Mapped[int] = mapped_column(ForeignKey("regions.code"))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"))
    start_month: Mapped[str] = mapped_column(Month)
    end_month: Mapped[str | None] = mapped_column(Month)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
